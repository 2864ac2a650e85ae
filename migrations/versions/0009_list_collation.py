"""trainees: the list's order in an index (last name and first name in the Azerbaijani ICU
collation, then id), so the trainee list sorted the Azerbaijani way (Ə after E, Sü after Su)
stays an index walk at a million trainees. PostgreSQL only: SQLite sorts with a collation
function of the connection, which an index cannot hold.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05 23:00:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name != 'postgresql':
        return
    op.execute('CREATE INDEX ix_trainees_name_az ON trainees '
               '(last_name COLLATE "az-x-icu", first_name COLLATE "az-x-icu", id)')


def downgrade():
    if op.get_bind().dialect.name != 'postgresql':
        return
    op.execute('DROP INDEX ix_trainees_name_az')
