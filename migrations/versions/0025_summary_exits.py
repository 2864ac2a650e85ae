"""report summary: the exits of the outcome indicators kept (issue 17 and 20, outcomes at 1M)

``report_exits`` holds one row per exit (an enrollment that ended completed, failed or withdrawn)
with its exit date, groups, record key, the jobs held in the 2nd and 4th quarter after exit (per
market), the highest pay in the 2nd and whether an award came within a year — so the outcome
indicators read one narrow row per exit instead of joining enrollments, cohorts, trainees, jobs,
employers and awards and converting time zones per request; ``report_exit_days`` adds them up per
cohort, exit date and gender (the counts sum those rows; the medians read the exits with a pay).
``report_summary_state.markets``
records the regional countries the markets were taken with.

A summary built before this revision has no exit rows: on a database that holds enrollments the
state row is removed, so the reports read the live tables until ``talent reports rebuild-summary``
has run; an empty database keeps its (empty, current) summary, with today's regional countries.

Revision ID: 0025_summary_exits
Revises: 0024_summary_first_job
Create Date: 2026-12-06 14:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0025_summary_exits'
down_revision = '0024_summary_first_job'
branch_labels = None
depends_on = None

MARKETS = ('local', 'regional', 'international')
DEFAULT_NEIGHBOURS = ('GE', 'TR', 'RU', 'IR', 'KZ', 'UZ', 'TM', 'KG', 'TJ')  # talent.config at this revision


def upgrade():
    bind = op.get_bind()
    rebuild = bind.execute(sa.text("SELECT id FROM enrollments LIMIT 1")).first() is not None
    flags = [sa.Column(name, sa.SmallInteger(), nullable=False) for name in
             ['credentialed', 'employed_q2', 'employed_q4'] + [f'employed_{q}_{m}' for m in MARKETS for q in ('q2', 'q4')]]
    pays = [sa.Column(name, sa.Numeric(precision=10, scale=2), nullable=True) for name in
            ['pay_q2'] + [f'pay_q2_{m}' for m in MARKETS]]
    op.create_table(
        'report_exits',
        sa.Column('enrollment_id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('cohort_id', sa.Integer(), nullable=False),
        sa.Column('trainee_id', sa.Integer(), nullable=False),
        sa.Column('center_id', sa.Integer(), nullable=False),
        sa.Column('course_id', sa.Integer(), nullable=False),
        sa.Column('gender', sa.String(length=1), nullable=False),
        sa.Column('exit_date', sa.Date(), nullable=False),
        sa.Column('key', sa.Integer(), nullable=False),
        *flags, *pays,
        sa.ForeignKeyConstraint(['cohort_id'], ['cohorts.id'], name=op.f('fk_report_exits_cohort_id_cohorts'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('enrollment_id', name=op.f('pk_report_exits')),
    )
    with op.batch_alter_table('report_exits', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_report_exits_cohort_id'), ['cohort_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_report_exits_exit_date'), ['exit_date'], unique=False)
    day_counts = ['exiters', 'credentialed', 'employed_q2', 'employed_q4', 'paid_q2'] + [
        f'{n}_{m}' for m in MARKETS for n in ('employed_q2', 'employed_q4', 'paid_q2')]
    op.create_table(
        'report_exit_days',
        sa.Column('cohort_id', sa.Integer(), nullable=False),
        sa.Column('exit_date', sa.Date(), nullable=False),
        sa.Column('gender', sa.String(length=1), nullable=False),
        sa.Column('center_id', sa.Integer(), nullable=False),
        sa.Column('course_id', sa.Integer(), nullable=False),
        *[sa.Column(name, sa.Integer(), nullable=False) for name in day_counts],
        *[sa.Column(f'{name}_key', sa.Integer(), nullable=False) for name in day_counts],
        sa.ForeignKeyConstraint(['cohort_id'], ['cohorts.id'], name=op.f('fk_report_exit_days_cohort_id_cohorts'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('cohort_id', 'exit_date', 'gender', name=op.f('pk_report_exit_days')),
    )
    with op.batch_alter_table('report_exit_days', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_report_exit_days_exit_date'), ['exit_date'], unique=False)
    with op.batch_alter_table('report_summary_state', schema=None) as batch_op:
        batch_op.add_column(sa.Column('markets', sa.String(length=400), nullable=True))
    if rebuild:
        op.execute("DELETE FROM report_summary_state")
        print("The report summary now keeps the exits of the outcome indicators and must be rebuilt: "
              "reports read the live tables until `talent reports rebuild-summary` has run.")
    else:
        # An empty summary stays current: its (no) exits were taken with the configured countries
        # (the rule of talent.reporting.exits.markets_label, written out: a migration does not
        # import the application's code).
        import re
        from flask import current_app, has_app_context
        countries = current_app.config.get("REGIONAL_COUNTRIES") if has_app_context() else None
        if countries is None:
            countries = DEFAULT_NEIGHBOURS
        codes = {(c or "").strip().upper() for c in countries if c} - {"AZ"}
        label = ",".join(sorted(c for c in codes if re.match(r"^[A-Z]{2}$", c)))
        op.execute(sa.text("UPDATE report_summary_state SET markets = :m").bindparams(m=label))


def downgrade():
    with op.batch_alter_table('report_exit_days', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_report_exit_days_exit_date'))
    op.drop_table('report_exit_days')
    with op.batch_alter_table('report_summary_state', schema=None) as batch_op:
        batch_op.drop_column('markets')
    with op.batch_alter_table('report_exits', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_report_exits_exit_date'))
        batch_op.drop_index(batch_op.f('ix_report_exits_cohort_id'))
    op.drop_table('report_exits')
