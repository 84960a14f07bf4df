"""Sign-offs of the mapping contract, as reviewed data (``signoffs.yaml``), never a database.

An entry records who signed, when, the trial it was signed on, the SHA-256 of the contract
(``mapping/mapping_contract.csv``) and of the crosswalk set (``mapping/crosswalks.csv``, every code
set in one table), and where the signed copy of both is kept under the data folder
(``mapping/signed/<contract>-<crosswalks>/``). Each run compares its contract and crosswalks with
the copy of the last entry (``contract_changes.py``). ``qvh-migration sign-contract`` appends an
entry; the file is then reviewed and committed like the rules.

Every problem in the file names the file and the entry (its position and signer).
"""

from __future__ import annotations

import os
import re
import shutil
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path

import yaml

from qvh_migration.errors import CurationError, MigrationInputError
from qvh_migration.io.artifacts import content_sha256
from qvh_migration.mapping.files import CONTRACT_CSV, CROSSWALKS_CSV

SIGNOFFS_FILE = Path(__file__).with_name("signoffs.yaml")
SIGNOFFS_FILE_ENV = "QVH_SIGNOFFS_FILE"
SIGNED_DIR = "signed"  # under the data folder's mapping stage
FIELDS = ("signed_by", "signed_at", "trial", "contract_sha256", "crosswalks_sha256", "snapshot")
_SHA256 = re.compile(r"[0-9a-f]{64}")
HEADER = """\
# Sign-offs of the mapping contract (reviewed data, loaded by signoffs.py; newest last).
#
# One entry per sign-off, appended by `qvh-migration sign-contract --by NAME [--trial NAME]`:
#   signed_by          who signed (a person or a role)
#   signed_at          when (ISO date-time, UTC)
#   trial              the trial load it was signed on
#   contract_sha256    SHA-256 of mapping/mapping_contract.csv as signed
#   crosswalks_sha256  SHA-256 of mapping/crosswalks.csv (the crosswalk set) as signed
#   snapshot           the signed copy of both, under the data folder it was signed in
#
# Every run lists the fields and crosswalk entries changed since the last entry
# (mapping/contract_changes.csv and the evidence pack).
signoffs:
"""


@dataclass(frozen=True)
class SignOff:
    signed_by: str
    signed_at: str
    trial: str
    contract_sha256: str
    crosswalks_sha256: str
    snapshot: str

    def snapshot_dir(self, data_dir: Path) -> Path:
        return Path(data_dir) / self.snapshot


def default_signoffs_file() -> Path:
    """``QVH_SIGNOFFS_FILE`` when set, else the package's ``signoffs.yaml``."""
    value = os.environ.get(SIGNOFFS_FILE_ENV, "").strip()
    return Path(value).expanduser().resolve() if value else SIGNOFFS_FILE


def load_signoffs(path: Path | None = None) -> tuple[SignOff, ...]:
    """Read and validate the sign-offs, oldest first; a missing file has none."""
    path = Path(path) if path is not None else default_signoffs_file()
    if not path.exists():
        return ()
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise CurationError(path, f"cannot read sign-offs ({exc})") from None
    if not isinstance(document, dict) or "signoffs" not in document:
        raise CurationError(path, "top level must be a mapping with a 'signoffs' list")
    entries = document["signoffs"] or []
    if not isinstance(entries, list):
        raise CurationError(path, "'signoffs' must be a list of entries")
    return tuple(_signoff(path, position, entry) for position, entry in enumerate(entries, start=1))


def last_signoff(path: Path | None = None) -> SignOff | None:
    signoffs = load_signoffs(path)
    return signoffs[-1] if signoffs else None


def _signoff(path: Path, position: int, entry: object) -> SignOff:
    who = entry.get("signed_by") if isinstance(entry, dict) else None
    where = f"sign-off {position}" + (f" ({who})" if who else "")
    if not isinstance(entry, dict):
        raise CurationError(path, "each sign-off is a mapping of its fields", where=where)
    unknown = sorted(set(entry) - set(FIELDS))
    if unknown:
        raise CurationError(path, f"unknown field {', '.join(unknown)} (known: {', '.join(FIELDS)})", where=where)
    values = {key: str(entry.get(key) or "").strip() for key in FIELDS}
    missing = [key for key, value in values.items() if not value]
    if missing:
        raise CurationError(path, f"{', '.join(missing)} must be given", where=where)
    try:
        datetime.fromisoformat(values["signed_at"])
    except ValueError:
        raise CurationError(path, f"signed_at {values['signed_at']!r} is not an ISO date-time", where=where) from None
    for key in ("contract_sha256", "crosswalks_sha256"):
        if not _SHA256.fullmatch(values[key]):
            raise CurationError(path, f"{key} is not a SHA-256 (64 lower-case hex digits)", where=where)
    if Path(values["snapshot"]).is_absolute() or ".." in Path(values["snapshot"]).parts:
        raise CurationError(path, "snapshot must be a path inside the data folder (mapping/signed/...)", where=where)
    return SignOff(**values)


def signed_files(mapping_dir: Path) -> tuple[Path, Path]:
    """The two files a sign-off covers; each must exist (the contract and crosswalk steps have run)."""
    files = (mapping_dir / CONTRACT_CSV, mapping_dir / CROSSWALKS_CSV)
    for path in files:
        if not path.exists():
            raise MigrationInputError(path, "not materialised yet: run a dry run before signing its contract")
    return files


def sign_contract(data_dir: Path, signed_by: str, trial: str, signed_at: datetime, path: Path | None = None) -> SignOff:
    """Copy the data folder's contract and crosswalks to their signed snapshot and append an entry."""
    path = Path(path) if path is not None else default_signoffs_file()
    load_signoffs(path)  # a broken file is reported before anything is written
    if not signed_by.strip() or not trial.strip():
        raise CurationError(path, "a sign-off needs who signs (--by) and the trial it is signed on (--trial)")
    contract, crosswalks = signed_files(Path(data_dir) / "mapping")
    contract_sha, crosswalks_sha = content_sha256(contract), content_sha256(crosswalks)
    snapshot = Path("mapping") / SIGNED_DIR / f"{contract_sha[:16]}-{crosswalks_sha[:16]}"
    folder = Path(data_dir) / snapshot
    folder.mkdir(parents=True, exist_ok=True)
    for source in (contract, crosswalks):
        shutil.copyfile(source, folder / source.name)
    entry = SignOff(
        signed_by.strip(),
        signed_at.isoformat(timespec="seconds"),
        trial.strip(),
        contract_sha,
        crosswalks_sha,
        snapshot.as_posix(),
    )
    append_entry(path, entry)
    return entry


def append_entry(path: Path, entry: SignOff) -> None:
    """Append as text, so the file's comments and earlier entries stay exactly as reviewed."""
    text = path.read_text(encoding="utf-8") if path.exists() else HEADER
    if not text.endswith("\n"):
        text += "\n"
    block = yaml.safe_dump([asdict(entry)], sort_keys=False, allow_unicode=True, width=120)
    updated = text + "".join(f"  {line}\n" for line in block.splitlines())
    temporary = path.with_name(f".{path.name}.new")
    temporary.write_text(updated, encoding="utf-8")
    try:
        load_signoffs(temporary)
    except CurationError as exc:
        temporary.unlink()
        raise CurationError(path, f"the entry would not read back ({exc.problem})") from None
    os.replace(temporary, path)


def check_snapshot(entry: SignOff, data_dir: Path, signoffs_path: Path) -> Path | None:
    """The entry's snapshot folder when this data folder holds it (None otherwise), its two files
    checked against the recorded hashes: a signed copy that changed is an error, never compared."""
    folder = entry.snapshot_dir(data_dir)
    if not folder.is_dir():
        return None
    for name, recorded in ((CONTRACT_CSV, entry.contract_sha256), (CROSSWALKS_CSV, entry.crosswalks_sha256)):
        copy = folder / name
        if not copy.exists() or content_sha256(copy) != recorded:
            state = "is missing" if not copy.exists() else "does not match its SHA-256"
            raise MigrationInputError(
                copy, f"the signed copy {state} in {signoffs_path.name} (signed by {entry.signed_by})"
            )
    return folder
