"""report summary by trainee group (per cohort, gender, age band on the cohort's first day and
home region: the fairness report) and the cohorts' placements (placements, markets, mobility,
trends), issue 17

A summary built before this revision has no group rows: on a database that holds enrollments the
state row is removed, so the reports read the live tables until ``talent reports rebuild-summary``
has run; an empty database keeps its (empty, current) summary.

Revision ID: 0013_summary_dims
Revises: 0012_oidc
Create Date: 2026-12-06 02:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013_summary_dims'
down_revision = '0012_oidc'
branch_labels = None
depends_on = None

GROUP = ('gender', 'age_band', 'home')


def _group_columns():
    return [sa.Column('gender', sa.String(length=1), nullable=False),
            sa.Column('age_band', sa.String(length=16), nullable=False),
            sa.Column('home', sa.String(length=8), nullable=False)]


def upgrade():
    op.create_table('report_group_days',
    sa.Column('cohort_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    *_group_columns(),
    *[sa.Column(name, sa.Integer(), nullable=False) for name in (
        'enrolled', 'completed', 'completed_awarded', 'certified',
        'enrolled_key', 'completed_key', 'completed_awarded_key', 'certified_key')],
    sa.ForeignKeyConstraint(['cohort_id'], ['cohorts.id'], name=op.f('fk_report_group_days_cohort_id_cohorts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('cohort_id', 'day', *GROUP, name=op.f('pk_report_group_days'))
    )
    with op.batch_alter_table('report_group_days', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_report_group_days_day'), ['day'], unique=False)
    op.create_table('report_group_totals',
    sa.Column('cohort_id', sa.Integer(), nullable=False),
    *_group_columns(),
    *[sa.Column(name, sa.Integer(), nullable=False) for name in (
        'active', 'completed', 'finished', 'placed', 'active_key', 'completed_key', 'finished_key', 'placed_key')],
    sa.ForeignKeyConstraint(['cohort_id'], ['cohorts.id'], name=op.f('fk_report_group_totals_cohort_id_cohorts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('cohort_id', *GROUP, name=op.f('pk_report_group_totals'))
    )
    op.create_table('report_cohort_placements',
    sa.Column('cohort_id', sa.Integer(), nullable=False),
    sa.Column('placement_id', sa.Integer(), nullable=False),
    sa.Column('trainee_id', sa.Integer(), nullable=False),
    sa.Column('employer_id', sa.Integer(), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.ForeignKeyConstraint(['cohort_id'], ['cohorts.id'], name=op.f('fk_report_cohort_placements_cohort_id_cohorts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['placement_id'], ['placements.id'], name=op.f('fk_report_cohort_placements_placement_id_placements'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('cohort_id', 'placement_id', name=op.f('pk_report_cohort_placements'))
    )
    with op.batch_alter_table('report_cohort_placements', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_report_cohort_placements_start_date'), ['start_date'], unique=False)
    bind = op.get_bind()
    if bind.execute(sa.text("SELECT id FROM enrollments LIMIT 1")).first() is not None:
        op.execute("DELETE FROM report_summary_state")
        print("The report summary now has rows per trainee group and must be rebuilt: reports read the live "
              "tables until `talent reports rebuild-summary` has run.")


def downgrade():
    with op.batch_alter_table('report_cohort_placements', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_report_cohort_placements_start_date'))
    op.drop_table('report_cohort_placements')
    op.drop_table('report_group_totals')
    with op.batch_alter_table('report_group_days', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_report_group_days_day'))
    op.drop_table('report_group_days')
