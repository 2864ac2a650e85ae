"""API tokens expire: api_tokens.expires_at (issue 13). Tokens that exist when this runs get 90 days
from now, so scripts in use keep working for a grace period and their owners see the date.
And audit_event_trainees: the trainees an audit event about several concerns (a search, a roster
view, an export), so each trainee's access log finds it.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05 19:45:00

"""
from datetime import datetime, timedelta, timezone

import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.add_column(sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True))
    tokens = sa.table('api_tokens', sa.column('expires_at', sa.DateTime(timezone=True)))
    op.execute(tokens.update().values(expires_at=datetime.now(timezone.utc) + timedelta(days=90)))
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.alter_column('expires_at', existing_type=sa.DateTime(timezone=True), nullable=False)
    op.create_table('audit_event_trainees',
                    sa.Column('event_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
                    sa.Column('trainee_id', sa.Integer(), nullable=False),
                    sa.ForeignKeyConstraint(['event_id'], ['audit_events.id'],
                                            name=op.f('fk_audit_event_trainees_event_id_audit_events')),
                    sa.PrimaryKeyConstraint('event_id', 'trainee_id', name=op.f('pk_audit_event_trainees')))
    with op.batch_alter_table('audit_event_trainees', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_event_trainees_trainee_id'), ['trainee_id'], unique=False)


def downgrade():
    with op.batch_alter_table('audit_event_trainees', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_event_trainees_trainee_id'))
    op.drop_table('audit_event_trainees')
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.drop_column('expires_at')
