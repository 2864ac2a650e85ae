"""catalog: Russian names of certifications and courses, and objective titles in English and
Russian (all optional; a missing one falls back to the Azerbaijani name), so a page shows the
catalog and the objectives in its own language

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05 20:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('certifications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('name_ru', sa.String(length=200), nullable=True))
    with op.batch_alter_table('courses', schema=None) as batch_op:
        batch_op.add_column(sa.Column('title_ru', sa.String(length=200), nullable=True))
    with op.batch_alter_table('objectives', schema=None) as batch_op:
        batch_op.add_column(sa.Column('title_en', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('title_ru', sa.String(length=200), nullable=True))


def downgrade():
    with op.batch_alter_table('objectives', schema=None) as batch_op:
        batch_op.drop_column('title_ru')
        batch_op.drop_column('title_en')
    with op.batch_alter_table('courses', schema=None) as batch_op:
        batch_op.drop_column('title_ru')
    with op.batch_alter_table('certifications', schema=None) as batch_op:
        batch_op.drop_column('name_ru')
