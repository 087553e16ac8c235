# Sourced by the scripts: Prisma must never try to download its engines (README: Notes on the stack;
# its engines come from a server these machines cannot reach; migrations use the WebAssembly one).
_pb_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
mkdir -p "$_pb_root/.proofboard"
: > "$_pb_root/.proofboard/prisma-engine-placeholder"
export PRISMA_SCHEMA_ENGINE_BINARY="$_pb_root/.proofboard/prisma-engine-placeholder"
export PRISMA_QUERY_ENGINE_LIBRARY="$_pb_root/.proofboard/prisma-engine-placeholder"
export CHECKPOINT_DISABLE=1
export NEXT_TELEMETRY_DISABLED=1
