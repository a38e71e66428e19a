"""access log: the id of the key each entry was chained with

Entries written before keys keep key_id NULL and their plain sha256 hashes: nothing is
rewritten. The first keyed entry seals them with a signed checkpoint outside the
database (app/assisted/log_seal.py).

Revision ID: front_0005
Revises: front_0004
Create Date: 2026-12-02
"""
from alembic import op
import sqlalchemy as sa

revision = 'front_0005'
down_revision = 'front_0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('access_log', sa.Column('key_id', sa.String(length=16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('access_log') as batch:
        batch.drop_column('key_id')
