"""catalog: a public description of each course per language (az, en, ru; all optional, a missing
one falls back to the Azerbaijani text) for the public course catalog (issue 19)

Revision ID: 0016_catalog_public
Revises: 0015_import_previews
Create Date: 2026-12-06 01:55:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0016_catalog_public'
down_revision = '0015_import_previews'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('courses', schema=None) as batch_op:
        batch_op.add_column(sa.Column('description_az', sa.String(length=2000), nullable=True))
        batch_op.add_column(sa.Column('description_en', sa.String(length=2000), nullable=True))
        batch_op.add_column(sa.Column('description_ru', sa.String(length=2000), nullable=True))


def downgrade():
    with op.batch_alter_table('courses', schema=None) as batch_op:
        batch_op.drop_column('description_ru')
        batch_op.drop_column('description_en')
        batch_op.drop_column('description_az')
