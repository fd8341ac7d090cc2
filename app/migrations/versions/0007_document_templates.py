"""document templates (versioned .docx) and the PDF conversion state of documents

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-27 05:05:09.139000
"""

import sqlalchemy as sa
from alembic import op

import app.models

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('document_templates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=80), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('placeholders', sa.JSON(), nullable=False),
    sa.Column('created_by', sa.String(length=80), nullable=True),
    sa.Column('created_at', app.models.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_document_templates')),
    sa.UniqueConstraint('key', 'version', name=op.f('uq_document_templates_key'))
    )
    with op.batch_alter_table('document_templates', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_document_templates_key'), ['key'], unique=False)

    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('template_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('pdf_status', sa.String(length=12), server_default='none', nullable=False))
        batch_op.add_column(sa.Column('pdf_attempts', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('pdf_error', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('pdf_next_attempt_at', app.models.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('pdf_claimed_by', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('pdf_claimed_until', app.models.UTCDateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f('ix_documents_pdf_status'), ['pdf_status'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_documents_template_id_document_templates'), 'document_templates', ['template_id'], ['id'])



def downgrade() -> None:
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_documents_template_id_document_templates'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_documents_pdf_status'))
        batch_op.drop_column('pdf_claimed_until')
        batch_op.drop_column('pdf_claimed_by')
        batch_op.drop_column('pdf_next_attempt_at')
        batch_op.drop_column('pdf_error')
        batch_op.drop_column('pdf_attempts')
        batch_op.drop_column('pdf_status')
        batch_op.drop_column('template_id')

    with op.batch_alter_table('document_templates', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_document_templates_key'))

    op.drop_table('document_templates')
