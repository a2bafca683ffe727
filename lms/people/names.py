"""Vietnamese names: NFC, single spaces, and the order class lists use."""

import unicodedata
from functools import lru_cache

# Vietnamese alphabetical order: a ă â b c d đ e ê g h i k l m n o ô ơ p q r s t u ư v x y,
# then the tones: none, huyền, hỏi, ngã, sắc, nặng.
_LETTERS = "aăâbcdđeêfghijklmnoôơpqrstuưvwxyz"
_TONES = {"\u0300": 1, "\u0309": 2, "\u0303": 3, "\u0301": 4, "\u0323": 5}
_BASE_MARKS = {"\u0306", "\u0302", "\u031b"}  # breve, circumflex, horn: part of the letter


def normalize_name(name: str) -> str:
    return " ".join(unicodedata.normalize("NFC", name or "").split())


def _word_key(word: str) -> tuple:
    letters, tones = [], []
    for char in word.casefold():
        decomposed = unicodedata.normalize("NFD", char)
        base = decomposed[0]
        marks = decomposed[1:]
        letter = unicodedata.normalize("NFC", base + "".join(m for m in marks if m in _BASE_MARKS))
        tone = next((_TONES[m] for m in marks if m in _TONES), 0)
        index = _LETTERS.find(letter)
        letters.append(index if index >= 0 else 100 + ord(letter))
        tones.append(tone)
    return tuple(letters), tuple(tones)


def name_sort_key(name: str) -> str:
    """A sortable string: given name, then middle names, then family name, Vietnamese order."""
    words = normalize_name(name).split(" ")
    if not words or words == [""]:
        return ""
    ordered = [words[-1], *words[1:-1], words[0]] if len(words) > 1 else words
    return "|".join(_word_part(word) for word in ordered)


@lru_cache(maxsize=8192)  # a few hundred words make most names: an import sorts 40,000
def _word_part(word: str) -> str:
    letters, tones = _word_key(word)
    return "".join(f"{i:03d}" for i in letters) + "." + "".join(str(t) for t in tones)
