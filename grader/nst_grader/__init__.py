"""``nst-grade``, the teacher's grader of the chapter 08 assignment: a package students do not install.

It holds the judge's own answers (:mod:`nst_grader.reference`), the typical wrong answers
(:mod:`nst_grader.mistakes`), the inputs drawn at grading time (:mod:`nst_grader.cases`), the containment
of each submission (:mod:`nst_grader.sandbox`) and the gradebook. Install it from a clone of the book's
repository with ``pip install ./grader``.

Chapter: 08.
"""
