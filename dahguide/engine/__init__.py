"""The clinical engine: pure Python, no Django.

It takes a validated intake and an immutable snapshot of the published guideline content
and returns a plan with reasons. It never touches the database; a test fails if any module
here imports Django.
"""
