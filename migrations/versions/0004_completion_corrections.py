"""completion and corrections: enrollments marked "did not sit the assessment" when a cohort is
completed, and the corrections of a final score or attendance made after completion

Revision ID: 0004
Revises: 0002
Create Date: 2026-12-05 19:50:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('enrollments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('did_not_sit', sa.Boolean(), server_default=sa.false(), nullable=False))

    op.create_table('result_corrections',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('enrollment_id', sa.Integer(), nullable=False),
    sa.Column('corrected_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('corrected_by_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.Column('old_score', sa.Numeric(precision=5, scale=2), nullable=True),
    sa.Column('new_score', sa.Numeric(precision=5, scale=2), nullable=True),
    sa.Column('old_attendance', sa.Numeric(precision=5, scale=2), nullable=True),
    sa.Column('new_attendance', sa.Numeric(precision=5, scale=2), nullable=True),
    sa.Column('old_status', sa.String(length=12), nullable=False),
    sa.Column('new_status', sa.String(length=12), nullable=False),
    sa.CheckConstraint("old_status IN ('applied', 'waitlisted', 'enrolled', 'completed', 'failed', 'withdrawn')", name=op.f('ck_result_corrections_old_status')),
    sa.CheckConstraint("new_status IN ('applied', 'waitlisted', 'enrolled', 'completed', 'failed', 'withdrawn')", name=op.f('ck_result_corrections_new_status')),
    sa.ForeignKeyConstraint(['corrected_by_id'], ['users.id'], name=op.f('fk_result_corrections_corrected_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['enrollment_id'], ['enrollments.id'], name=op.f('fk_result_corrections_enrollment_id_enrollments'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_result_corrections'))
    )
    with op.batch_alter_table('result_corrections', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_result_corrections_enrollment_id'), ['enrollment_id'], unique=False)


def downgrade():
    with op.batch_alter_table('result_corrections', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_result_corrections_enrollment_id'))
    op.drop_table('result_corrections')
    with op.batch_alter_table('enrollments', schema=None) as batch_op:
        batch_op.drop_column('did_not_sit')
