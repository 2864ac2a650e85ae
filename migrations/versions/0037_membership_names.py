"""trainee–center membership: each row carries its trainee's folded name, so a center's name search
is one index (issue 17, the name search at 1M)

``trainee_centers.search_name`` is a copy of ``trainees.search_name``, kept by the writers of the
rows and by a rename (``talent people check-membership`` proves it equal). On PostgreSQL a GIN
index on (center_id, search_name gin_trgm_ops) — btree_gin gives the center its GIN operator
class — answers "the trainees of these centers whose name contains …" from the index alone: at 1M
the search read every trainee of that name in the country (12,140 for one surname) and hashed
every member of the centers (205,000) to keep 2,372 of them (57-78 ms; 8 ms from this index).

Revision ID: 0037_membership_names
Revises: 0036_center_day_index
Create Date: 2026-12-07 09:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0037_membership_names'
down_revision = '0036_center_day_index'
branch_labels = None
depends_on = None


#: The copy of each row's trainee name (also run by tests/test_people_membership.py).
NAMES = ("UPDATE trainee_centers SET search_name = "
         "(SELECT t.search_name FROM trainees t WHERE t.id = trainee_centers.trainee_id)")


def upgrade():
    postgres = op.get_bind().dialect.name == "postgresql"
    with op.batch_alter_table('trainee_centers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('search_name', sa.String(length=320), nullable=True))
    op.execute(NAMES)
    with op.batch_alter_table('trainee_centers', schema=None) as batch_op:
        batch_op.alter_column('search_name', existing_type=sa.String(length=320), nullable=False)
    if postgres:
        op.execute("CREATE EXTENSION IF NOT EXISTS btree_gin")
    op.create_index('ix_trainee_centers_center_id_search_name', 'trainee_centers', ['center_id', 'search_name'],
                    unique=False, postgresql_using='gin', postgresql_ops={'search_name': 'gin_trgm_ops'})


def downgrade():
    # The extension stays: other objects may use it, and dropping it needs more rights than this.
    op.drop_index('ix_trainee_centers_center_id_search_name', table_name='trainee_centers')
    with op.batch_alter_table('trainee_centers', schema=None) as batch_op:
        batch_op.drop_column('search_name')
