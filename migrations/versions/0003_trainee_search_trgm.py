"""trainee search: a trigram index on the folded name, so a name search reads the matching rows
instead of every trainee (PostgreSQL: pg_trgm GIN; other databases: a plain index)

Chained after 0003, which was applied first (it revises 0001): a database already at 0003 then
gets this index on its next upgrade, and the history stays one line.

Revision ID: 0002
Revises: 0003
Create Date: 2026-11-25 12:00:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0002'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.create_index('ix_trainees_search_name_trgm', 'trainees', ['search_name'], unique=False,
                    postgresql_using='gin', postgresql_ops={'search_name': 'gin_trgm_ops'})


def downgrade():
    # The extension stays: other objects may use it, and dropping it needs more rights than this.
    op.drop_index('ix_trainees_search_name_trgm', table_name='trainees')
