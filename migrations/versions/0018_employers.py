"""placement: employer users, employers' confirmation of placements, vacancies (issue 20)

Revision ID: 0018_employers
Revises: 0017_applications
Create Date: 2026-12-06 02:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0018_employers'
down_revision = '0017_applications'
branch_labels = None
depends_on = None

OLD_ROLES = "role IN ('admin', 'center_admin', 'trainee', 'ministry')"
NEW_ROLES = "role IN ('admin', 'center_admin', 'trainee', 'ministry', 'employer')"
EMPLOYER_LINK = ("(role = 'employer' AND employer_id IS NOT NULL) OR "
                 "(role <> 'employer' AND employer_id IS NULL)")


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('employer_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_users_employer_id'), ['employer_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_users_employer_id_employers'), 'employers', ['employer_id'],
                                    ['id'], ondelete='RESTRICT')
        batch_op.drop_constraint(op.f('ck_users_role'), type_='check')
        batch_op.create_check_constraint(op.f('ck_users_role'), NEW_ROLES)
        batch_op.create_check_constraint(op.f('ck_users_employer_link'), EMPLOYER_LINK)

    with op.batch_alter_table('placements', schema=None) as batch_op:
        batch_op.add_column(sa.Column('employer_confirmation', sa.String(length=10), nullable=False,
                                      server_default='pending'))
        batch_op.add_column(sa.Column('employer_confirmed_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('employer_confirmed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('employer_decline_reason', sa.String(length=500), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_placements_employer_confirmed_by_id_users'), 'users',
                                    ['employer_confirmed_by_id'], ['id'], ondelete='SET NULL')
        batch_op.create_check_constraint(op.f('ck_placements_employer_confirmation'),
                                         "employer_confirmation IN ('pending', 'confirmed', 'declined')")

    op.create_table('vacancies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('employer_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('occupation_code', sa.String(length=4), nullable=False),
    sa.Column('country_code', sa.String(length=2), nullable=False),
    sa.Column('region_id', sa.Integer(), nullable=True),
    sa.Column('openings', sa.Integer(), nullable=False),
    sa.Column('pay_min_azn', sa.Numeric(precision=10, scale=2), nullable=True),
    sa.Column('pay_max_azn', sa.Numeric(precision=10, scale=2), nullable=True),
    sa.Column('closes_on', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('center_id', sa.Integer(), nullable=True),
    sa.Column('posted_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('openings >= 1', name=op.f('ck_vacancies_openings_positive')),
    sa.CheckConstraint('pay_min_azn IS NULL OR pay_min_azn >= 0', name=op.f('ck_vacancies_pay_min_nonnegative')),
    sa.CheckConstraint('pay_min_azn IS NULL OR pay_max_azn IS NULL OR pay_min_azn <= pay_max_azn',
                       name=op.f('ck_vacancies_pay_range_ordered')),
    sa.CheckConstraint("status IN ('open', 'closed')", name=op.f('ck_vacancies_status')),
    sa.ForeignKeyConstraint(['center_id'], ['centers.id'], name=op.f('fk_vacancies_center_id_centers'),
                            ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['country_code'], ['countries.code'], name=op.f('fk_vacancies_country_code_countries'),
                            ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['employer_id'], ['employers.id'], name=op.f('fk_vacancies_employer_id_employers'),
                            ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['occupation_code'], ['occupations.code'],
                            name=op.f('fk_vacancies_occupation_code_occupations'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['posted_by_id'], ['users.id'], name=op.f('fk_vacancies_posted_by_id_users'),
                            ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['region_id'], ['regions.id'], name=op.f('fk_vacancies_region_id_regions'),
                            ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_vacancies'))
    )
    with op.batch_alter_table('vacancies', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_vacancies_employer_id'), ['employer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_vacancies_occupation_code'), ['occupation_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_vacancies_country_code'), ['country_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_vacancies_region_id'), ['region_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_vacancies_center_id'), ['center_id'], unique=False)
        batch_op.create_index('ix_vacancies_status_closes_on', ['status', 'closes_on'], unique=False)

    op.create_table('vacancy_skills',
    sa.Column('vacancy_id', sa.Integer(), nullable=False),
    sa.Column('skill_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['skill_id'], ['skills.id'], name=op.f('fk_vacancy_skills_skill_id_skills'),
                            ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['vacancy_id'], ['vacancies.id'], name=op.f('fk_vacancy_skills_vacancy_id_vacancies'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('vacancy_id', 'skill_id', name=op.f('pk_vacancy_skills'))
    )
    with op.batch_alter_table('vacancy_skills', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_vacancy_skills_skill_id'), ['skill_id'], unique=False)


def downgrade():
    op.drop_table('vacancy_skills')
    op.drop_table('vacancies')
    with op.batch_alter_table('placements', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_placements_employer_confirmation'), type_='check')
        batch_op.drop_constraint(batch_op.f('fk_placements_employer_confirmed_by_id_users'), type_='foreignkey')
        batch_op.drop_column('employer_decline_reason')
        batch_op.drop_column('employer_confirmed_at')
        batch_op.drop_column('employer_confirmed_by_id')
        batch_op.drop_column('employer_confirmation')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_users_employer_link'), type_='check')
        batch_op.drop_constraint(op.f('ck_users_role'), type_='check')
        batch_op.create_check_constraint(op.f('ck_users_role'), OLD_ROLES)
        batch_op.drop_constraint(batch_op.f('fk_users_employer_id_employers'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_users_employer_id'))
        batch_op.drop_column('employer_id')
