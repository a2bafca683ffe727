"""The content pipeline: read course folders -> validate -> render Markdown -> sanitize -> store.

Plain functions with no Flask in them, so tests and the CLI call them directly.
"""
