"""Online applications (issue 19): a person asks for a seat in an open or planned cohort from the
public catalog; the center of that cohort reviews (accept → enrollment or waiting list through
the learning service's capacity rule; reject with a reason)."""
