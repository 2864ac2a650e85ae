"""report summary: day figures per center (issue 17, ministry pages at 1M)

``report_center_days`` holds ``report_cohort_days`` added up per center and day, so the national,
regional and per-center day figures sum a few thousand rows a year instead of every cohort's days
(240,000 a year at 1,000,000 trainees). Each cohort day row now records the center it was added to
(``report_cohort_days.center_id``).

A summary built before this revision has no center rows: on a database that holds enrollments its
day rows are removed with the state row, so the reports read the live tables until
``talent reports rebuild-summary`` has run; an empty database keeps its (empty, current) summary.

Revision ID: 0026_summary_center_days
Revises: 0025_summary_exits
Create Date: 2026-12-06 14:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0026_summary_center_days'
down_revision = '0025_summary_exits'
branch_labels = None
depends_on = None

FIGURES = ('enrolled', 'completed', 'completed_awarded', 'certified', 'enrolled_key', 'completed_key',
           'completed_awarded_key', 'certified_key')


def upgrade():
    bind = op.get_bind()
    rebuild = bind.execute(sa.text("SELECT id FROM enrollments LIMIT 1")).first() is not None
    if rebuild:
        op.execute("DELETE FROM report_summary_state")
    # The day rows do not know their center yet: counted again by the rebuild (none on an empty database).
    op.execute("DELETE FROM report_cohort_days")
    with op.batch_alter_table('report_cohort_days', schema=None) as batch_op:
        batch_op.add_column(sa.Column('center_id', sa.Integer(), nullable=False))
    op.create_table(
        'report_center_days',
        sa.Column('center_id', sa.Integer(), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        *[sa.Column(name, sa.Integer(), nullable=False) for name in FIGURES],
        sa.PrimaryKeyConstraint('center_id', 'day', name=op.f('pk_report_center_days')),
    )
    with op.batch_alter_table('report_center_days', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_report_center_days_day'), ['day'], unique=False)
    if rebuild:
        print("The report summary now keeps day figures per center and must be rebuilt: "
              "reports read the live tables until `talent reports rebuild-summary` has run.")


def downgrade():
    with op.batch_alter_table('report_center_days', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_report_center_days_day'))
    op.drop_table('report_center_days')
    with op.batch_alter_table('report_cohort_days', schema=None) as batch_op:
        batch_op.drop_column('center_id')
