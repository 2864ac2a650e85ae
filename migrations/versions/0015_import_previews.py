"""imports: previews kept server-side (validated rows, compressed), committed once (issue 17)

Revision ID: 0015_import_previews
Revises: 0014_trainee_centers
Create Date: 2026-12-06 02:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0015_import_previews'
down_revision = '0014_trainee_centers'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('import_previews',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('actor_label', sa.String(length=255), nullable=False),
    sa.Column('center_id', sa.Integer(), nullable=False),
    sa.Column('cohort_id', sa.Integer(), nullable=True),
    sa.Column('waitlist', sa.Boolean(), nullable=False),
    sa.Column('filename', sa.String(length=100), nullable=False),
    sa.Column('format', sa.String(length=8), nullable=True),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('rows_read', sa.Integer(), nullable=False),
    sa.Column('valid_rows', sa.Integer(), nullable=False),
    sa.Column('payload', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('committed_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['center_id'], ['centers.id'], name=op.f('fk_import_previews_center_id_centers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['cohort_id'], ['cohorts.id'], name=op.f('fk_import_previews_cohort_id_cohorts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_import_previews_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_import_previews'))
    )
    with op.batch_alter_table('import_previews', schema=None) as batch_op:
        batch_op.create_index('ix_import_previews_expires_at', ['expires_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_import_previews_center_id'), ['center_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_import_previews_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('import_previews', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_import_previews_user_id'))
        batch_op.drop_index(batch_op.f('ix_import_previews_center_id'))
        batch_op.drop_index('ix_import_previews_expires_at')
    op.drop_table('import_previews')
