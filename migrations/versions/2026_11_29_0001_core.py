"""Core: organisations, languages, taxonomy, service points; R*Tree + FTS5 or PostGIS.

Revision ID: 0001_core
Revises: 
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.db

revision: str = '0001_core'
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ('core',)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('audience',
    sa.Column('code', sa.String(length=50), nullable=False),
    sa.Column('sort_order', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_audience'))
    )
    op.create_table('category',
    sa.Column('code', sa.String(length=50), nullable=False),
    sa.Column('parent_code', sa.String(length=50), nullable=True),
    sa.Column('icon', sa.String(length=50), nullable=True),
    sa.Column('sort_order', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['parent_code'], ['category.code'], name=op.f('fk_category_parent_code_category')),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_category'))
    )
    op.create_table('language',
    sa.Column('tag', sa.String(length=35), nullable=False),
    sa.Column('endonym', sa.String(length=100), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('created_at', app.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('tag', name=op.f('pk_language'))
    )
    op.create_table('organization',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('slug', sa.String(length=100), nullable=False),
    sa.Column('name', sa.String(length=300), nullable=False),
    sa.Column('website', sa.String(length=500), nullable=True),
    sa.Column('email', sa.String(length=254), nullable=True),
    sa.Column('country', sa.String(length=2), nullable=True),
    sa.Column('source_title', sa.String(length=300), nullable=True),
    sa.Column('source_url', sa.String(length=500), nullable=True),
    sa.Column('source_publisher', sa.String(length=300), nullable=True),
    sa.Column('is_sample', sa.Boolean(), nullable=False),
    sa.Column('created_at', app.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', app.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_organization')),
    sa.UniqueConstraint('slug', name=op.f('uq_organization_slug'))
    )
    op.create_table('audience_translation',
    sa.Column('audience_code', sa.String(length=50), nullable=False),
    sa.Column('lang', sa.String(length=35), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['audience_code'], ['audience.code'], name=op.f('fk_audience_translation_audience_code_audience'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('audience_code', 'lang', name=op.f('pk_audience_translation'))
    )
    op.create_table('category_translation',
    sa.Column('category_code', sa.String(length=50), nullable=False),
    sa.Column('lang', sa.String(length=35), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('keywords', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['category_code'], ['category.code'], name=op.f('fk_category_translation_category_code_category'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('category_code', 'lang', name=op.f('pk_category_translation'))
    )
    op.create_table('organization_translation',
    sa.Column('organization_id', sa.String(length=36), nullable=False),
    sa.Column('lang', sa.String(length=35), nullable=False),
    sa.Column('name', sa.String(length=300), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['organization_id'], ['organization.id'], name=op.f('fk_organization_translation_organization_id_organization'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('organization_id', 'lang', name=op.f('pk_organization_translation'))
    )
    op.create_table('service_point',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('public_id', sa.String(length=36), nullable=False),
    sa.Column('external_id', sa.String(length=200), nullable=True),
    sa.Column('organization_id', sa.String(length=36), nullable=False),
    sa.Column('lat', sa.Float(), nullable=False),
    sa.Column('lon', sa.Float(), nullable=False),
    sa.Column('country', sa.String(length=2), nullable=False),
    sa.Column('locality', sa.String(length=200), nullable=True),
    sa.Column('timezone', sa.String(length=64), nullable=True),
    sa.Column('phones', sa.JSON(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=True),
    sa.Column('website', sa.String(length=500), nullable=True),
    sa.Column('whatsapp', sa.String(length=20), nullable=True),
    sa.Column('opening_hours', sa.String(length=500), nullable=True),
    sa.Column('free', sa.Boolean(), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('original_language', sa.String(length=35), nullable=False),
    sa.Column('source_title', sa.String(length=300), nullable=True),
    sa.Column('source_url', sa.String(length=500), nullable=True),
    sa.Column('source_publisher', sa.String(length=300), nullable=True),
    sa.Column('is_sample', sa.Boolean(), nullable=False),
    sa.Column('last_verified_at', app.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('verified_by_organization_id', sa.String(length=36), nullable=True),
    sa.Column('search_text', sa.Text(), nullable=False),
    sa.Column('created_at', app.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', app.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('deleted_at', app.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['organization_id'], ['organization.id'], name=op.f('fk_service_point_organization_id_organization')),
    sa.ForeignKeyConstraint(['verified_by_organization_id'], ['organization.id'], name=op.f('fk_service_point_verified_by_organization_id_organization')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_service_point')),
    sa.UniqueConstraint('external_id', name=op.f('uq_service_point_external_id')),
    sa.UniqueConstraint('public_id', name=op.f('uq_service_point_public_id'))
    )
    with op.batch_alter_table('service_point', schema=None) as batch_op:
        batch_op.create_index('ix_service_point_organization_id', ['organization_id'], unique=False)
        batch_op.create_index('ix_service_point_status_country', ['status', 'country'], unique=False)

    op.create_table('service_point_audience',
    sa.Column('point_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('audience_code', sa.String(length=50), nullable=False),
    sa.ForeignKeyConstraint(['audience_code'], ['audience.code'], name=op.f('fk_service_point_audience_audience_code_audience')),
    sa.ForeignKeyConstraint(['point_id'], ['service_point.id'], name=op.f('fk_service_point_audience_point_id_service_point'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('point_id', 'audience_code', name=op.f('pk_service_point_audience'))
    )
    with op.batch_alter_table('service_point_audience', schema=None) as batch_op:
        batch_op.create_index('ix_service_point_audience_code', ['audience_code', 'point_id'], unique=False)

    op.create_table('service_point_category',
    sa.Column('point_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('category_code', sa.String(length=50), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['category_code'], ['category.code'], name=op.f('fk_service_point_category_category_code_category')),
    sa.ForeignKeyConstraint(['point_id'], ['service_point.id'], name=op.f('fk_service_point_category_point_id_service_point'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('point_id', 'category_code', name=op.f('pk_service_point_category'))
    )
    with op.batch_alter_table('service_point_category', schema=None) as batch_op:
        batch_op.create_index('ix_service_point_category_code', ['category_code', 'point_id'], unique=False)

    op.create_table('service_point_language',
    sa.Column('point_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('lang', sa.String(length=35), nullable=False),
    sa.ForeignKeyConstraint(['point_id'], ['service_point.id'], name=op.f('fk_service_point_language_point_id_service_point'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('point_id', 'lang', name=op.f('pk_service_point_language'))
    )
    with op.batch_alter_table('service_point_language', schema=None) as batch_op:
        batch_op.create_index('ix_service_point_language_lang', ['lang', 'point_id'], unique=False)

    op.create_table('service_point_translation',
    sa.Column('point_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('lang', sa.String(length=35), nullable=False),
    sa.Column('name', sa.String(length=300), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('address', sa.String(length=500), nullable=True),
    sa.Column('documents_required', sa.Text(), nullable=True),
    sa.Column('accessibility', sa.Text(), nullable=True),
    sa.Column('updated_at', app.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['point_id'], ['service_point.id'], name=op.f('fk_service_point_translation_point_id_service_point'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('point_id', 'lang', name=op.f('pk_service_point_translation'))
    )
    if op.get_context().dialect.name == "sqlite":
        for statement in SQLITE_SPATIAL_AND_TEXT:
            op.execute(statement)
    else:
        for statement in POSTGIS_SPATIAL_AND_TEXT:
            op.execute(statement)


def downgrade() -> None:
    if op.get_context().dialect.name == "sqlite":
        for statement in SQLITE_DROP:
            op.execute(statement)
    else:
        op.execute("DROP INDEX IF EXISTS ix_service_point_search")
        op.execute("DROP INDEX IF EXISTS ix_service_point_geom")
        op.execute("DROP INDEX IF EXISTS ix_service_point_geog")
        op.execute("ALTER TABLE service_point DROP COLUMN IF EXISTS geog")
    op.drop_table('service_point_translation')
    with op.batch_alter_table('service_point_language', schema=None) as batch_op:
        batch_op.drop_index('ix_service_point_language_lang')

    op.drop_table('service_point_language')
    with op.batch_alter_table('service_point_category', schema=None) as batch_op:
        batch_op.drop_index('ix_service_point_category_code')

    op.drop_table('service_point_category')
    with op.batch_alter_table('service_point_audience', schema=None) as batch_op:
        batch_op.drop_index('ix_service_point_audience_code')

    op.drop_table('service_point_audience')
    with op.batch_alter_table('service_point', schema=None) as batch_op:
        batch_op.drop_index('ix_service_point_status_country')
        batch_op.drop_index('ix_service_point_organization_id')

    op.drop_table('service_point')
    op.drop_table('organization_translation')
    op.drop_table('category_translation')
    op.drop_table('audience_translation')
    op.drop_table('organization')
    op.drop_table('language')
    op.drop_table('category')
    op.drop_table('audience')


# Public search covers points that are published or temporarily closed and not deleted;
# only those live in the R*Tree, so a nearest query without filters never leaves it.
_VISIBLE = "new.status IN ('published', 'temporarily_closed') AND new.deleted_at IS NULL"

SQLITE_SPATIAL_AND_TEXT = [
    # +lat/+lon are auxiliary columns: exact coordinates next to the 32-bit box.
    "CREATE VIRTUAL TABLE service_point_rtree USING rtree("
    "id, min_lat, max_lat, min_lon, max_lon, +lat REAL, +lon REAL)",
    "CREATE TRIGGER service_point_rtree_ai AFTER INSERT ON service_point BEGIN "
    "INSERT INTO service_point_rtree SELECT new.id, new.lat, new.lat, new.lon, new.lon, "
    f"new.lat, new.lon WHERE {_VISIBLE}; END",
    "CREATE TRIGGER service_point_rtree_au AFTER UPDATE OF lat, lon, status, deleted_at "
    "ON service_point BEGIN DELETE FROM service_point_rtree WHERE id = old.id; "
    "INSERT INTO service_point_rtree SELECT new.id, new.lat, new.lat, new.lon, new.lon, "
    f"new.lat, new.lon WHERE {_VISIBLE}; END",
    "CREATE TRIGGER service_point_rtree_ad AFTER DELETE ON service_point BEGIN "
    "DELETE FROM service_point_rtree WHERE id = old.id; END",
    "CREATE VIRTUAL TABLE service_point_fts USING fts5(search_text, content='service_point', "
    "content_rowid='id', tokenize='unicode61 remove_diacritics 2')",
    "CREATE TRIGGER service_point_fts_ai AFTER INSERT ON service_point BEGIN "
    "INSERT INTO service_point_fts(rowid, search_text) VALUES (new.id, new.search_text); END",
    "CREATE TRIGGER service_point_fts_au AFTER UPDATE OF search_text ON service_point BEGIN "
    "INSERT INTO service_point_fts(service_point_fts, rowid, search_text) "
    "VALUES ('delete', old.id, old.search_text); "
    "INSERT INTO service_point_fts(rowid, search_text) VALUES (new.id, new.search_text); END",
    "CREATE TRIGGER service_point_fts_ad AFTER DELETE ON service_point BEGIN "
    "INSERT INTO service_point_fts(service_point_fts, rowid, search_text) "
    "VALUES ('delete', old.id, old.search_text); END",
]

SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS service_point_fts_ad",
    "DROP TRIGGER IF EXISTS service_point_fts_au",
    "DROP TRIGGER IF EXISTS service_point_fts_ai",
    "DROP TABLE IF EXISTS service_point_fts",
    "DROP TRIGGER IF EXISTS service_point_rtree_ad",
    "DROP TRIGGER IF EXISTS service_point_rtree_au",
    "DROP TRIGGER IF EXISTS service_point_rtree_ai",
    "DROP TABLE IF EXISTS service_point_rtree",
]

POSTGIS_SPATIAL_AND_TEXT = [
    "CREATE EXTENSION IF NOT EXISTS postgis",
    "ALTER TABLE service_point ADD COLUMN geog geography(Point, 4326) "
    "GENERATED ALWAYS AS (ST_SetSRID(ST_MakePoint(lon, lat), 4326)::geography) STORED",
    "CREATE INDEX ix_service_point_geog ON service_point USING gist (geog)",
    # Viewport (bbox) queries compare plain lon/lat rectangles: a geometry index.
    "CREATE INDEX ix_service_point_geom ON service_point USING gist ((geog::geometry))",
    "CREATE INDEX ix_service_point_search ON service_point "
    "USING gin (to_tsvector('simple', search_text))",
]
