"""objectives: a group (gender) and a market for any objective, and the outcome indicators as
metrics (employment in the 2nd and 4th quarter after exit, median pay, credential attainment),
issue 20

Revision ID: 0020_objective_targets
Revises: 0019_talent_profiles
Create Date: 2026-12-06 05:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0020_objective_targets'
down_revision = '0019_talent_profiles'
branch_labels = None
depends_on = None

OLD_METRICS = ("enrolled", "completed", "certified", "placed", "completion_rate", "certification_rate",
               "placement_rate")
NEW_METRICS = OLD_METRICS + ("employment_q2_rate", "employment_q4_rate", "median_pay_q2", "credential_rate")
MARKET_METRICS = ("placed", "employment_q2_rate", "employment_q4_rate", "median_pay_q2")


def _in(column, values):
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def upgrade():
    # batch_alter_table: SQLite rebuilds the table, so its CHECK constraints change there too.
    with op.batch_alter_table('objectives', schema=None) as batch_op:
        batch_op.add_column(sa.Column('gender', sa.String(length=1), nullable=True))
        batch_op.add_column(sa.Column('market', sa.String(length=13), nullable=True))
        batch_op.drop_constraint('metric', type_='check')
        batch_op.create_check_constraint('metric', _in('metric', NEW_METRICS))
        batch_op.create_check_constraint('gender', 'gender IS NULL OR ' + _in('gender', ('F', 'M')))
        batch_op.create_check_constraint(
            'market', 'market IS NULL OR ' + _in('market', ('local', 'regional', 'international')))
        batch_op.create_check_constraint('market_metric', 'market IS NULL OR ' + _in('metric', MARKET_METRICS))


def downgrade():
    # Objectives on an outcome indicator cannot exist before this revision; their group and market
    # columns go with it.
    op.execute("DELETE FROM objectives WHERE " + _in('metric', NEW_METRICS[len(OLD_METRICS):]))
    with op.batch_alter_table('objectives', schema=None) as batch_op:
        batch_op.drop_constraint('market_metric', type_='check')
        batch_op.drop_constraint('market', type_='check')
        batch_op.drop_constraint('gender', type_='check')
        batch_op.drop_constraint('metric', type_='check')
        batch_op.create_check_constraint('metric', _in('metric', OLD_METRICS))
        batch_op.drop_column('market')
        batch_op.drop_column('gender')
