"""Certificates people can show: their own list and printable pages, a class's in one go for
its homeroom teacher and principal, the children's for their parents, and the public page
that verifies a code (issuing: lms.learning.certificates)."""
