# The trainee scope of talent.permissions is learning's rule: registered whenever the package loads.
from talent.learning import scoping  # noqa: F401
