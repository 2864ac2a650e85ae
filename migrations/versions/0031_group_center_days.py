"""report summary: trainee-group day figures per center (issue 17, fairness at 1M)

``report_group_center_days`` holds ``report_group_days`` added up per center, day and trainee group
(gender, age band, home), so the fairness figures of a year sum about 90,000 rows instead of 620,000
at 1,000,000 trainees. Each group day row now records the center it was added to
(``report_group_days.center_id``).

A summary built before this revision has no such rows: on a database that holds enrollments its
group day rows are removed with the state row, so the reports read the live tables until
``talent reports rebuild-summary`` has run; an empty database keeps its (empty, current) summary.

Revision ID: 0031_group_center_days
Revises: 0030_placement_months
Create Date: 2026-12-06 19:25:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0031_group_center_days'
down_revision = '0030_placement_months'
branch_labels = None
depends_on = None

FIGURES = ('enrolled', 'completed', 'completed_awarded', 'certified', 'enrolled_key', 'completed_key',
           'completed_awarded_key', 'certified_key')


def upgrade():
    bind = op.get_bind()
    rebuild = bind.execute(sa.text("SELECT id FROM enrollments LIMIT 1")).first() is not None
    if rebuild:
        op.execute("DELETE FROM report_summary_state")
    op.execute("DELETE FROM report_group_days")
    with op.batch_alter_table('report_group_days', schema=None) as batch_op:
        batch_op.add_column(sa.Column('center_id', sa.Integer(), nullable=False))
    op.create_table(
        'report_group_center_days',
        sa.Column('center_id', sa.Integer(), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('gender', sa.String(length=1), nullable=False),
        sa.Column('age_band', sa.String(length=16), nullable=False),
        sa.Column('home', sa.String(length=8), nullable=False),
        *[sa.Column(name, sa.Integer(), nullable=False) for name in FIGURES],
        sa.PrimaryKeyConstraint('center_id', 'day', 'gender', 'age_band', 'home',
                                name=op.f('pk_report_group_center_days')),
    )
    with op.batch_alter_table('report_group_center_days', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_report_group_center_days_day'), ['day'], unique=False)
    if rebuild:
        print("The report summary now keeps trainee-group day figures per center and must be rebuilt: "
              "reports read the live tables until `talent reports rebuild-summary` has run.")


def downgrade():
    with op.batch_alter_table('report_group_center_days', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_report_group_center_days_day'))
    op.drop_table('report_group_center_days')
    with op.batch_alter_table('report_group_days', schema=None) as batch_op:
        batch_op.drop_column('center_id')
