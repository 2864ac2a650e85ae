"""placement: the vacancy a job filled (issue 20, supply against demand)

Revision ID: 0021_placement_vacancy
Revises: 0020_objective_targets
Create Date: 2026-12-06 05:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0021_placement_vacancy'
down_revision = '0020_objective_targets'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('placements', schema=None) as batch_op:
        batch_op.add_column(sa.Column('vacancy_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_placements_vacancy_id'), ['vacancy_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_placements_vacancy_id_vacancies'), 'vacancies', ['vacancy_id'],
                                    ['id'], ondelete='SET NULL')


def downgrade():
    with op.batch_alter_table('placements', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_placements_vacancy_id_vacancies'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_placements_vacancy_id'))
        batch_op.drop_column('vacancy_id')
