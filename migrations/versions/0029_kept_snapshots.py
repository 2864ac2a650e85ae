"""kept report answers per published period: supply against demand and the outcome indicators (issue 17 at 1M)

``report_kept_snapshots`` holds, for a calendar year or quarter with no course filter, the answer of a
report's live statement: supply against demand's people figures (by skill and by occupation group) and
the outcome indicators' figures with their medians. ``report_kept_marks`` holds the years changed since
(written by the changing transaction). A snapshot is read only while no mark names one of its years
(talent/reporting/kept.py).

Nothing to rebuild: until ``talent reports refresh-kept`` (or the worker, the embedded ticker, or
``rebuild-summary``) has made the snapshots, the pages compute their figures live, as before.

Revision ID: 0029_kept_snapshots
Revises: 0028_summary_keys
Create Date: 2026-12-06 17:15:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0029_kept_snapshots'
down_revision = '0028_summary_keys'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('report_kept_marks',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('year', sa.SmallInteger(), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_report_kept_marks'))
    )
    with op.batch_alter_table('report_kept_marks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_report_kept_marks_year'), ['year'], unique=False)

    op.create_table('report_kept_snapshots',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=200), nullable=False),
        sa.Column('report', sa.String(length=20), nullable=False),
        sa.Column('params', sa.JSON(), nullable=False),
        sa.Column('first_year', sa.SmallInteger(), nullable=False),
        sa.Column('last_year', sa.SmallInteger(), nullable=False),
        sa.Column('key_id', sa.String(length=32), nullable=False),
        sa.Column('figures', sa.JSON(), nullable=False),
        sa.Column('computed_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_report_kept_snapshots')),
        sa.UniqueConstraint('key', name=op.f('uq_report_kept_snapshots_key'))
    )


def downgrade():
    op.drop_table('report_kept_snapshots')
    with op.batch_alter_table('report_kept_marks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_report_kept_marks_year'))
    op.drop_table('report_kept_marks')
