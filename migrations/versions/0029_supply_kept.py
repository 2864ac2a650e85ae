"""supply against demand kept per published period (issue 17: the page at 1M)

``report_supply_snapshots`` holds the people figures of supply against demand for a calendar year or
quarter, by skill or by occupation group, as the live statement computed them;
``report_supply_marks`` holds the years changed since (written by the changing transaction). A
snapshot is read only while no mark names one of its years (talent/reporting/supply_kept.py).

Nothing to rebuild: until ``talent reports refresh-supply`` (or the worker, or ``rebuild-summary``)
has made the snapshots, the page computes its figures live, as before.

Revision ID: 0029_supply_kept
Revises: 0028_summary_keys
Create Date: 2026-12-06 17:15:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0029_supply_kept'
down_revision = '0028_summary_keys'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('report_supply_marks',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('year', sa.SmallInteger(), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_report_supply_marks'))
    )
    with op.batch_alter_table('report_supply_marks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_report_supply_marks_year'), ['year'], unique=False)

    op.create_table('report_supply_snapshots',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=120), nullable=False),
        sa.Column('by', sa.String(length=20), nullable=False),
        sa.Column('start', sa.Date(), nullable=False),
        sa.Column('end', sa.Date(), nullable=False),
        sa.Column('first_year', sa.SmallInteger(), nullable=False),
        sa.Column('last_year', sa.SmallInteger(), nullable=False),
        sa.Column('key_id', sa.String(length=32), nullable=False),
        sa.Column('figures', sa.JSON(), nullable=False),
        sa.Column('computed_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_report_supply_snapshots')),
        sa.UniqueConstraint('key', name=op.f('uq_report_supply_snapshots_key'))
    )


def downgrade():
    op.drop_table('report_supply_snapshots')
    with op.batch_alter_table('report_supply_marks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_report_supply_marks_year'))
    op.drop_table('report_supply_marks')
