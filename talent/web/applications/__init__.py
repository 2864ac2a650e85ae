"""Online applications on the web (issue 19): the public form and private status page, and the
review pages of a cohort's center (views.py)."""
