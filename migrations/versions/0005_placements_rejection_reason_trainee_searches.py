"""placements: the reason a center gives when it does not confirm a reported job (required to
reject from now on; shown to the trainee). Earlier rejections keep no reason (NULL).
trainee_searches: a staff member's trainee search behind a short handle (the results page is a
GET; the searched text, often a FIN, stays out of URLs).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-05 19:50:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('placements', schema=None) as batch_op:
        batch_op.add_column(sa.Column('rejection_reason', sa.String(length=500), nullable=True))
    op.create_table('trainee_searches',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('handle', sa.String(length=32), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_trainee_searches_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_trainee_searches')),
    sa.UniqueConstraint('handle', name=op.f('uq_trainee_searches_handle'))
    )
    with op.batch_alter_table('trainee_searches', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_trainee_searches_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('trainee_searches', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_trainee_searches_user_id'))
    op.drop_table('trainee_searches')
    with op.batch_alter_table('placements', schema=None) as batch_op:
        batch_op.drop_column('rejection_reason')
