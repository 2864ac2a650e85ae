"""report summary: record-key sums beside each count (the cell-key method, docs/disclosure.md)

The key sums depend on the configured record keys, so the summary is emptied here and read
again once rebuilt: on an empty database at once (the state row names the keys in use when the
upgrade runs inside the app); otherwise the reports read the live tables until
``talent reports rebuild-summary`` has run.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-05 20:00:00

"""
from datetime import datetime, timezone

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

DAY_KEYS = ('enrolled_key', 'completed_key', 'completed_awarded_key', 'certified_key')
TOTAL_KEYS = ('active_key', 'completed_key', 'finished_key', 'placed_key')


def upgrade():
    op.execute("DELETE FROM report_cohort_days")
    op.execute("DELETE FROM report_cohort_totals")
    op.execute("DELETE FROM report_summary_state")
    # recreate: SQLite cannot ADD a NOT NULL column without a default (the tables are empty).
    with op.batch_alter_table('report_cohort_days', schema=None, recreate='always') as batch_op:
        for name in DAY_KEYS:
            batch_op.add_column(sa.Column(name, sa.Integer(), nullable=False))
    with op.batch_alter_table('report_cohort_totals', schema=None, recreate='always') as batch_op:
        for name in TOTAL_KEYS:
            batch_op.add_column(sa.Column(name, sa.Integer(), nullable=False))
    with op.batch_alter_table('report_summary_state', schema=None) as batch_op:
        batch_op.add_column(sa.Column('key_id', sa.String(length=32), nullable=True))

    bind = op.get_bind()
    if bind.execute(sa.text("SELECT id FROM enrollments LIMIT 1")).first() is None:
        try:
            from flask import current_app
            from talent.reporting.cellkey import fingerprint
            tz = current_app.config.get("BABEL_DEFAULT_TIMEZONE") or "Asia/Baku"
            key_id = fingerprint()
        except RuntimeError:  # outside the app (plain alembic): the keys are not known here
            return
        state = sa.table("report_summary_state", sa.column("id", sa.Integer), sa.column("timezone", sa.String),
                         sa.column("key_id", sa.String), sa.column("built_at", sa.DateTime(timezone=True)))
        op.bulk_insert(state, [{"id": 1, "timezone": tz, "key_id": key_id, "built_at": datetime.now(timezone.utc)}])
    else:
        print("The report summary now carries record-key sums and must be rebuilt: reports read the live "
              "tables until `talent reports rebuild-summary` has run.")


def downgrade():
    op.execute("DELETE FROM report_summary_state")
    with op.batch_alter_table('report_summary_state', schema=None) as batch_op:
        batch_op.drop_column('key_id')
    with op.batch_alter_table('report_cohort_totals', schema=None) as batch_op:
        for name in TOTAL_KEYS:
            batch_op.drop_column(name)
    with op.batch_alter_table('report_cohort_days', schema=None) as batch_op:
        for name in DAY_KEYS:
            batch_op.drop_column(name)
