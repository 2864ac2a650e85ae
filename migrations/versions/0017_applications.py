"""applications: online applications for a seat in a cohort, and course eligibility (issue 19)

Revision ID: 0017_applications
Revises: 0016_catalog_public
Create Date: 2026-12-06 02:00:00

"""
from alembic import op
import sqlalchemy as sa



# revision identifiers, used by Alembic.
revision = '0017_applications'
down_revision = '0016_catalog_public'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('courses', schema=None) as batch_op:
        batch_op.add_column(sa.Column('min_education_level', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('min_age', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('max_age', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('required_certification_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_courses_required_certification_id_certifications'),
                                    'certifications', ['required_certification_id'], ['id'], ondelete='RESTRICT')
        batch_op.create_check_constraint(
            'min_education_level',
            "min_education_level IS NULL OR min_education_level IN "
            "('secondary', 'vocational', 'bachelor', 'master', 'doctorate')")
        batch_op.create_check_constraint('min_age_range', 'min_age IS NULL OR (min_age >= 14 AND min_age <= 80)')
        batch_op.create_check_constraint('max_age_range', 'max_age IS NULL OR (max_age >= 14 AND max_age <= 80)')
        batch_op.create_check_constraint('age_range_ordered',
                                         'min_age IS NULL OR max_age IS NULL OR min_age <= max_age')

    op.create_table('applications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cohort_id', sa.Integer(), nullable=False),
    sa.Column('fin', sa.String(length=7), nullable=False),
    sa.Column('birth_date', sa.Date(), nullable=False),
    sa.Column('first_name', sa.String(length=100), nullable=False),
    sa.Column('last_name', sa.String(length=100), nullable=False),
    sa.Column('patronymic', sa.String(length=100), nullable=True),
    sa.Column('gender', sa.String(length=1), nullable=False),
    sa.Column('home_region_id', sa.Integer(), nullable=False),
    sa.Column('education_level', sa.String(length=20), nullable=True),
    sa.Column('email', sa.String(length=254), nullable=True),
    sa.Column('phone', sa.String(length=20), nullable=True),
    sa.Column('language', sa.String(length=2), nullable=False),
    sa.Column('consent_version', sa.String(length=20), nullable=False),
    sa.Column('consent_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=True),
    sa.Column('trainee_id', sa.Integer(), nullable=True),
    sa.Column('enrollment_id', sa.Integer(), nullable=True),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("status IN ('submitted', 'accepted', 'rejected', 'withdrawn')",
                       name=op.f('ck_applications_status')),
    sa.CheckConstraint('length(fin) = 7', name=op.f('ck_applications_fin_length')),
    sa.CheckConstraint("gender IN ('F', 'M')", name=op.f('ck_applications_gender')),
    sa.CheckConstraint("education_level IS NULL OR education_level IN "
                       "('secondary', 'vocational', 'bachelor', 'master', 'doctorate')",
                       name=op.f('ck_applications_education_level')),
    sa.CheckConstraint("language IN ('az', 'en', 'ru')", name=op.f('ck_applications_language')),
    sa.CheckConstraint('email IS NOT NULL OR phone IS NOT NULL', name=op.f('ck_applications_contact')),
    sa.ForeignKeyConstraint(['cohort_id'], ['cohorts.id'], name=op.f('fk_applications_cohort_id_cohorts'),
                            ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['home_region_id'], ['regions.id'], name=op.f('fk_applications_home_region_id_regions'),
                            ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['trainee_id'], ['trainees.id'], name=op.f('fk_applications_trainee_id_trainees'),
                            ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['enrollment_id'], ['enrollments.id'],
                            name=op.f('fk_applications_enrollment_id_enrollments'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_applications_decided_by_id_users'),
                            ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_applications')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_applications_token_hash'))
    )
    with op.batch_alter_table('applications', schema=None) as batch_op:
        batch_op.create_index('ix_applications_cohort_fin', ['cohort_id', 'fin'], unique=False)
        batch_op.create_index('ix_applications_cohort_status', ['cohort_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_applications_fin'), ['fin'], unique=False)
        batch_op.create_index(batch_op.f('ix_applications_home_region_id'), ['home_region_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_applications_trainee_id'), ['trainee_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_applications_created_at'), ['created_at'], unique=False)


def downgrade():
    op.drop_table('applications')
    with op.batch_alter_table('courses', schema=None) as batch_op:
        batch_op.drop_constraint('age_range_ordered', type_='check')
        batch_op.drop_constraint('max_age_range', type_='check')
        batch_op.drop_constraint('min_age_range', type_='check')
        batch_op.drop_constraint('min_education_level', type_='check')
        batch_op.drop_constraint(batch_op.f('fk_courses_required_certification_id_certifications'),
                                 type_='foreignkey')
        batch_op.drop_column('required_certification_id')
        batch_op.drop_column('max_age')
        batch_op.drop_column('min_age')
        batch_op.drop_column('min_education_level')
