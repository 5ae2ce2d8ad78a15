#!/usr/bin/env bash
# Seeds the fuzzer's corpus with the project's spec files and fixtures.
set -euo pipefail
cd "$(dirname "$0")"
mkdir -p corpus/pipeline
cp ../../spec/client-server/administrative_contact.yaml corpus/pipeline/seed.yaml
i=0
for f in ../../tests/fixtures/snapshots/*/api.yaml ../../tests/fixtures/bad/*/spec/api.yaml; do
  i=$((i + 1))
  if [ -f "$f" ] && [ ! -L "$f" ]; then cp "$f" "corpus/pipeline/fixture$i.yaml"; fi
done
# a document and the files it refers to, split at `#---` lines as the target expects
{
  printf "swagger: '2.0'\ninfo: {title: x, version: '1'}\npaths:\n  /a/{b}:\n    get:\n      operationId: getA\n"
  printf "      parameters:\n        - {in: path, name: b, type: string, required: true}\n"
  printf "        - {in: query, name: q, type: array, items: {type: string}}\n      responses:\n"
  printf "        200:\n          description: ok\n          schema: {\$ref: 'defs/1.yaml#/T'}\n#---\n"
  printf "T:\n  type: object\n  properties:\n    next: {\$ref: '#/T'}\n    e: {type: string, enum: [a, b]}\n"
  printf "    m: {type: object, additionalProperties: {\$ref: '2.yaml'}}\n#---\ntype: integer\nformat: int32\n"
} > corpus/pipeline/multi.yaml
# the real spec's documents, where ../shared is beside the repository (read, never committed)
for f in ../../../shared/corpus/matrix-spec-v1.18/data/api/*/*.yaml ../../../shared/corpus/matrix-doc-5da3072e/api/client-server/*.yaml; do
  if [ -f "$f" ]; then i=$((i + 1)); cp "$f" "corpus/pipeline/corpus$i.yaml"; fi
done
echo "seeded $(ls corpus/pipeline | wc -l) inputs"
