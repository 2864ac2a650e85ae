"""placement: opt-in talent profiles and employers' shortlists (issue 20)

Revision ID: 0019_talent_profiles
Revises: 0018_employers
Create Date: 2026-12-06 05:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0019_talent_profiles'
down_revision = '0018_employers'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('talent_profiles',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('trainee_id', sa.Integer(), nullable=False),
    sa.Column('visible_since', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['trainee_id'], ['trainees.id'], name=op.f('fk_talent_profiles_trainee_id_trainees'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_talent_profiles')),
    sa.UniqueConstraint('trainee_id', name=op.f('uq_talent_profiles_trainee_id'))
    )
    with op.batch_alter_table('talent_profiles', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_talent_profiles_visible_since'), ['visible_since'], unique=False)

    op.create_table('shortlist_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('vacancy_id', sa.Integer(), nullable=False),
    sa.Column('trainee_id', sa.Integer(), nullable=False),
    sa.Column('employer_id', sa.Integer(), nullable=False),
    sa.Column('shortlisted_by_id', sa.Integer(), nullable=True),
    sa.Column('shortlisted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('answer', sa.String(length=16), server_default='pending', nullable=False),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("answer IN ('pending', 'interested', 'not_interested', 'withdrawn')",
                       name=op.f('ck_shortlist_entries_answer')),
    sa.ForeignKeyConstraint(['employer_id'], ['employers.id'], name=op.f('fk_shortlist_entries_employer_id_employers'),
                            ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['shortlisted_by_id'], ['users.id'],
                            name=op.f('fk_shortlist_entries_shortlisted_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['trainee_id'], ['trainees.id'], name=op.f('fk_shortlist_entries_trainee_id_trainees'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['vacancy_id'], ['vacancies.id'], name=op.f('fk_shortlist_entries_vacancy_id_vacancies'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_shortlist_entries')),
    sa.UniqueConstraint('vacancy_id', 'trainee_id', name=op.f('uq_shortlist_entries_vacancy_id_trainee_id'))
    )
    with op.batch_alter_table('shortlist_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_shortlist_entries_employer_id'), ['employer_id'], unique=False)
        batch_op.create_index('ix_shortlist_entries_trainee_id_answer', ['trainee_id', 'answer'], unique=False)


def downgrade():
    op.drop_table('shortlist_entries')
    op.drop_table('talent_profiles')
