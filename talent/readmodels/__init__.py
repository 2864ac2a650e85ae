"""Read models: the pages that combine several domains (DESIGN §4: interfaces → read models →
domain services → models).

Each module answers one page or list of the interfaces from the models of several domains, so it
sits above every domain and below the interfaces (the layers contract in ``.importlinter``):

- ``admin_lists``: the administration lists (catalog entries, centers, users);
- ``center_dashboard``: the center dashboard (seats, cohorts running and ending, low attendance);
- ``trainees``: the trainee list filtered by enrollment, and a trainee's enrollments;
- ``trainee_portal``: what a trainee reads about their own learning, awards and jobs;
- ``objectives``: progress against the workforce objectives, computed with the report queries;
- ``catalog``: the public course catalog (cohorts still to start, their course, center and seats).

A read model checks the permission like a service (``require``) and never writes, except the audit
events a read of personal data leaves.
"""
