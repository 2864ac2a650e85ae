"""report summary: record keys kept on the placement rows (issue 17, flat placement counts at 1M)

Each row of ``report_cohort_placements`` keeps the record keys of its placement and of its trainee
(``pkey``, ``tkey``; talent.reporting.cellkey, the keys the summary state's fingerprint names), so the
flat placement counts sum them instead of computing two keys per row.

The rows of a summary built before this revision have no keys: they are removed (and, on a database
that holds enrollments, the state row with them), so the reports read the live tables until
``talent reports rebuild-summary`` has run; an empty database keeps its (empty, current) summary.

Revision ID: 0028_summary_keys
Revises: 0027_summary_sector
Create Date: 2026-12-06 15:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0028_summary_keys'
down_revision = '0027_summary_sector'
branch_labels = None
depends_on = None


def upgrade():
    bind = op.get_bind()
    rebuild = bind.execute(sa.text("SELECT id FROM enrollments LIMIT 1")).first() is not None
    if rebuild:
        op.execute("DELETE FROM report_summary_state")
    op.execute("DELETE FROM report_cohort_placements")
    with op.batch_alter_table('report_cohort_placements', schema=None) as batch_op:
        batch_op.add_column(sa.Column('pkey', sa.Integer(), nullable=False))
        batch_op.add_column(sa.Column('tkey', sa.Integer(), nullable=False))
    if rebuild:
        print("The report summary now keeps record keys on its placement rows and must be rebuilt: "
              "reports read the live tables until `talent reports rebuild-summary` has run.")


def downgrade():
    with op.batch_alter_table('report_cohort_placements', schema=None) as batch_op:
        batch_op.drop_column('tkey')
        batch_op.drop_column('pkey')
