"""Backup and restore of the database and the uploaded files (manage.py backup / restore).

One archive (`civicnest-backup-<time>.tar.gz`) holds:
  manifest.json      when, which database, the migration state, a fingerprint of every table (row count and
                     a SHA-256 over its rows in primary-key order) and the SHA-256 of every uploaded file
  database.pgdump    PostgreSQL: `pg_dump --format=custom` (a consistent snapshot, taken while the site runs)
  database.sqlite3   SQLite: the online backup API (a consistent copy, taken while the site runs)
  media/…            the uploaded files under MEDIA_ROOT (file-system storage)

Restore checks the archive against its manifest before touching anything, replaces the database
(pg_restore --clean --single-transaction, or the SQLite backup API in reverse) and the uploaded files, then
recomputes the fingerprint and fails loudly if any table or file differs. Stop the web and task workers first.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder

FORMAT = 1
CHUNK = 1024 * 1024


class BackupError(Exception):
    """A backup or restore that cannot proceed; the message says why (in Chinese, for the operator)."""


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(CHUNK):
            digest.update(block)
    return digest.hexdigest()


def table_fingerprint() -> dict[str, list[Any]]:
    """{table: [row count, SHA-256 of every row in primary-key order]} for every model's table."""
    result: dict[str, list[Any]] = {}
    for model in apps.get_models(include_auto_created=True):
        if model._meta.proxy or not model._meta.managed:
            continue
        table = model._meta.db_table
        if table in result:
            continue
        columns = [f.column for f in model._meta.local_concrete_fields]
        digest = hashlib.sha256()
        count = 0
        rows = model._base_manager.order_by("pk").values_list(
            *[f.attname for f in model._meta.local_concrete_fields]
        )
        for row in rows.iterator(chunk_size=5000):
            digest.update(repr(row).encode())
            count += 1
        digest.update(repr(columns).encode())
        result[table] = [count, digest.hexdigest()]
    return dict(sorted(result.items()))


def media_root() -> Path:
    return Path(settings.MEDIA_ROOT)


def media_fingerprint(root: Path | None = None) -> dict[str, str]:
    root = root or media_root()
    if not root.exists():
        return {}
    return {
        p.relative_to(root).as_posix(): _sha256_file(p)
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def _migration_state() -> dict[str, str]:
    latest: dict[str, str] = {}
    for app, name in MigrationRecorder(connection).applied_migrations():
        if name > latest.get(app, ""):
            latest[app] = name
    return dict(sorted(latest.items()))


def _pg_env() -> dict[str, str]:
    db = connection.settings_dict
    env = {**os.environ, "PGDATABASE": str(db["NAME"])}
    for key, var in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER")):
        if db.get(key):
            env[var] = str(db[key])
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    return env


def _run(command: list[str]) -> None:
    binary = shutil.which(command[0])
    if binary is None:
        raise BackupError(
            f"找不到 {command[0]}：请安装 PostgreSQL 客户端（Debian: postgresql-client）。"
        )
    done = subprocess.run(  # noqa: S603 - fixed argument list, no shell
        [binary, *command[1:]], env=_pg_env(), capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise BackupError(
            f"{command[0]} 失败（退出码 {done.returncode}）：{done.stderr.strip()[-2000:]}"
        )


def _dump_database(target_dir: Path) -> str:
    if connection.vendor == "postgresql":
        name = "database.pgdump"
        _run(
            [
                "pg_dump",
                "--format=custom",
                "--no-owner",
                "--no-privileges",
                "-f",
                str(target_dir / name),
            ]
        )
        return name
    if connection.vendor == "sqlite":
        name = "database.sqlite3"
        connection.ensure_connection()
        destination = sqlite3.connect(target_dir / name)
        try:
            connection.connection.backup(
                destination
            )  # online backup: consistent while others write
        finally:
            destination.close()
        return name
    raise BackupError(f"不支持的数据库类型：{connection.vendor}")


def create_backup(output_dir: Path, *, now: datetime.datetime | None = None) -> Path:
    """Write one archive into output_dir and return its path."""
    now = now or datetime.datetime.now(datetime.UTC)
    output_dir.mkdir(parents=True, exist_ok=True)
    archive = output_dir / f"civicnest-backup-{now:%Y%m%dT%H%M%S}Z.tar.gz"
    with tempfile.TemporaryDirectory(prefix="civicnest-backup-") as tmp:
        work = Path(tmp)
        database_file = _dump_database(work)
        media = media_fingerprint()
        manifest: dict[str, Any] = {
            "format": FORMAT,
            "created_at": now.isoformat(),
            "vendor": connection.vendor,
            "database_file": database_file,
            "database_sha256": _sha256_file(work / database_file),
            "migrations": _migration_state(),
            "tables": table_fingerprint(),
            "media": media,
        }
        (work / "manifest.json").write_text(
            json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8"
        )
        partial = archive.with_suffix(".partial")
        with tarfile.open(partial, "w:gz") as tar:
            tar.add(work / "manifest.json", arcname="manifest.json")
            tar.add(work / database_file, arcname=database_file)
            root = media_root()
            for relative in media:
                tar.add(root / relative, arcname=f"media/{relative}")
        partial.rename(archive)  # never leave a half-written archive under the final name
    return archive


@contextmanager
def _unpacked(archive: Path) -> Iterator[tuple[Path, dict[str, Any]]]:
    with tempfile.TemporaryDirectory(prefix="civicnest-restore-") as tmp:
        work = Path(tmp)
        try:
            with tarfile.open(archive, "r:gz") as tar:
                tar.extractall(work, filter="data")  # refuses absolute paths, .., devices
        except (OSError, tarfile.TarError) as exc:
            raise BackupError(f"无法读取备份文件 {archive}：{exc}") from exc
        try:
            manifest = json.loads((work / "manifest.json").read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise BackupError("备份文件中没有有效的 manifest.json。") from exc
        yield work, manifest


def _check_archive(work: Path, manifest: dict[str, Any]) -> None:
    if manifest.get("format") != FORMAT:
        raise BackupError(f"不认识的备份格式：{manifest.get('format')}")
    if manifest["vendor"] != connection.vendor:
        raise BackupError(
            f"备份来自 {manifest['vendor']} 数据库，当前配置的是 {connection.vendor}，不能直接恢复。"
        )
    if _sha256_file(work / manifest["database_file"]) != manifest["database_sha256"]:
        raise BackupError("备份中的数据库文件校验和不符：备份已损坏。")
    for relative, digest in manifest["media"].items():
        path = work / "media" / relative
        if not path.is_file() or _sha256_file(path) != digest:
            raise BackupError(f"备份中的上传文件 {relative} 缺失或已损坏。")


def _restore_database(work: Path, manifest: dict[str, Any]) -> None:
    source = work / manifest["database_file"]
    connection.close()
    if connection.vendor == "postgresql":
        _run(
            [
                "pg_restore",
                "--clean",
                "--if-exists",
                "--no-owner",
                "--no-privileges",
                "--single-transaction",
                "--exit-on-error",
                "--dbname",
                str(connection.settings_dict["NAME"]),
                str(source),
            ]
        )
        return
    origin = sqlite3.connect(source)
    target = sqlite3.connect(str(connection.settings_dict["NAME"]), timeout=30)
    try:
        origin.backup(target)
    finally:
        origin.close()
        target.close()


def _restore_media(work: Path) -> None:
    root = media_root()
    root.mkdir(parents=True, exist_ok=True)
    for child in root.iterdir():
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child)
        else:
            child.unlink()
    unpacked = work / "media"
    if unpacked.exists():
        shutil.copytree(unpacked, root, dirs_exist_ok=True)


def verify_against(manifest: dict[str, Any]) -> list[str]:
    """Differences between the live database/files and a manifest (empty when they match)."""
    problems = []
    live = table_fingerprint()
    for table, expected in manifest["tables"].items():
        actual = live.get(table)
        if actual is None:
            problems.append(f"表 {table} 不存在")
        elif actual != expected:
            problems.append(
                f"表 {table}：备份 {expected[0]} 行，恢复后 {actual[0]} 行（或内容不同）"
            )
    if media_fingerprint() != manifest["media"]:
        problems.append("上传文件与备份不一致")
    return problems


def restore_backup(archive: Path) -> dict[str, Any]:
    """Replace the database and uploaded files with the archive's; verify; return the manifest."""
    with _unpacked(archive) as (work, manifest):
        _check_archive(work, manifest)
        _restore_database(work, manifest)
        _restore_media(work)
    problems = verify_against(manifest)
    if problems:
        raise BackupError("恢复后校验失败：" + "；".join(problems[:10]))
    return manifest
