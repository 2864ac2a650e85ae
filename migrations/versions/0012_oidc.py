"""accounts: national e-ID (OpenID Connect) links, one provider subject per account (issue 21)

Revision ID: 0012_oidc
Revises: 0008
Create Date: 2026-12-05 22:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012_oidc'
down_revision = '0011_followup_requests'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('eid_identities',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('issuer', sa.String(length=255), nullable=False),
    sa.Column('subject', sa.String(length=255), nullable=False),
    sa.Column('linked_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('linked_by_id', sa.Integer(), nullable=True),
    sa.Column('last_sign_in_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('fin_verified_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['linked_by_id'], ['users.id'], name=op.f('fk_eid_identities_linked_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_eid_identities_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_eid_identities')),
    sa.UniqueConstraint('issuer', 'subject', name=op.f('uq_eid_identities_issuer_subject')),
    sa.UniqueConstraint('user_id', name=op.f('uq_eid_identities_user_id'))
    )


def downgrade():
    op.drop_table('eid_identities')
