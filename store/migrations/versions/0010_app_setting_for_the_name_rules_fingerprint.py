"""app_setting: small facts the application keeps about its database (the name rules' fingerprint)

``python -m bot db upgrade`` stores there the fingerprint of the name rules and the list of known names
the clients' keys were last written with, and re-keys the clients when it changes (``bot.rekey``).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('app_setting',
                    sa.Column('key', sa.String(80), primary_key=True),
                    sa.Column('value', sa.String(200), nullable=False))


def downgrade() -> None:
    op.drop_table('app_setting')
