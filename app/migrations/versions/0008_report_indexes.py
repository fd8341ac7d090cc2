"""report indexes: what the report engine filters, joins and orders by

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-27 05:34:46.501428
"""

from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('accounts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_accounts_created_at'), ['created_at'], unique=False)

    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.create_index('ix_documents_record', ['record_type', 'record_id', 'kind', 'created_at'], unique=False)

    with op.batch_alter_table('human_tasks', schema=None) as batch_op:
        batch_op.create_index('ix_human_tasks_definition_status_completed', ['definition_id', 'status', 'completed_at'], unique=False)
        batch_op.create_index('ix_human_tasks_instance_element_completed', ['instance_id', 'element_id', 'completed_at'], unique=False)
        batch_op.create_index('ix_human_tasks_key_element_completed', ['process_key', 'element_id', 'completed_at'], unique=False)

    with op.batch_alter_table('instance_events', schema=None) as batch_op:
        batch_op.create_index('ix_instance_events_at', ['at'], unique=False)
        batch_op.create_index('ix_instance_events_instance_at', ['instance_id', 'at', 'id'], unique=False)

    with op.batch_alter_table('lead_events', schema=None) as batch_op:
        batch_op.create_index('ix_lead_events_kind_at', ['kind', 'at'], unique=False)
        batch_op.create_index('ix_lead_events_lead_kind_at', ['lead_id', 'kind', 'at'], unique=False)

    with op.batch_alter_table('opportunity_stage_changes', schema=None) as batch_op:
        batch_op.create_index('ix_stage_changes_opportunity_at', ['opportunity_id', 'changed_at', 'id'], unique=False)
        batch_op.create_index('ix_stage_changes_to_opportunity_at', ['to_stage', 'opportunity_id', 'changed_at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('opportunity_stage_changes', schema=None) as batch_op:
        batch_op.drop_index('ix_stage_changes_to_opportunity_at')
        batch_op.drop_index('ix_stage_changes_opportunity_at')

    with op.batch_alter_table('lead_events', schema=None) as batch_op:
        batch_op.drop_index('ix_lead_events_lead_kind_at')
        batch_op.drop_index('ix_lead_events_kind_at')

    with op.batch_alter_table('instance_events', schema=None) as batch_op:
        batch_op.drop_index('ix_instance_events_instance_at')
        batch_op.drop_index('ix_instance_events_at')

    with op.batch_alter_table('human_tasks', schema=None) as batch_op:
        batch_op.drop_index('ix_human_tasks_key_element_completed')
        batch_op.drop_index('ix_human_tasks_instance_element_completed')
        batch_op.drop_index('ix_human_tasks_definition_status_completed')

    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.drop_index('ix_documents_record')

    with op.batch_alter_table('accounts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_accounts_created_at'))

