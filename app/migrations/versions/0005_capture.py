"""lead capture: delivery keys already answered, rate-limit counters

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27 06:00:00
"""

import sqlalchemy as sa
from alembic import op

import app.models

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

UTC_DATETIME = app.models.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        'lead_capture_keys',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('source', sa.String(length=80), nullable=False),
        sa.Column('key', sa.String(length=200), nullable=False),
        sa.Column('lead_id', sa.Integer(), nullable=False),
        sa.Column('merged', sa.Boolean(), nullable=False),
        sa.Column('created_at', UTC_DATETIME, nullable=False),
        sa.ForeignKeyConstraint(['lead_id'], ['leads.id'], ondelete='CASCADE',
                                name=op.f('fk_lead_capture_keys_lead_id_leads')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_lead_capture_keys')),
        sa.UniqueConstraint('source', 'key', name=op.f('uq_lead_capture_keys_source')),
    )
    with op.batch_alter_table('lead_capture_keys', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lead_capture_keys_lead_id'), ['lead_id'],
                              unique=False)

    op.create_table(
        'rate_limits',
        sa.Column('bucket', sa.String(length=200), nullable=False),
        sa.Column('window_start', UTC_DATETIME, nullable=False),
        sa.Column('count', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('bucket', name=op.f('pk_rate_limits')),
    )
    with op.batch_alter_table('rate_limits', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rate_limits_window_start'), ['window_start'],
                              unique=False)

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('api_client', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('api_client')
    with op.batch_alter_table('rate_limits', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rate_limits_window_start'))
    op.drop_table('rate_limits')
    with op.batch_alter_table('lead_capture_keys', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lead_capture_keys_lead_id'))
    op.drop_table('lead_capture_keys')
