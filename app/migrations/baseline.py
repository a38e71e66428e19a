"""What both baseline revisions do with their frozen picture of 3bfec37's tables."""
from __future__ import annotations

import sqlalchemy as sa


def create_or_complete(op, baseline: sa.MetaData) -> None:
    """Create each missing table; in a table an older create_all made, add the columns
    it lacks (nullable: its rows have no value for them). Nothing is dropped."""
    bind = op.get_bind()
    inspector = sa.inspect(bind)
    present = set(inspector.get_table_names())
    for table in baseline.sorted_tables:
        if table.name not in present:
            table.create(bind)
            continue
        have = {column["name"] for column in inspector.get_columns(table.name)}
        for column in table.columns:
            if column.name not in have:
                op.add_column(table.name, sa.Column(column.name, column.type, nullable=True))
