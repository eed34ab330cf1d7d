// Runs the Khronos glTF validator (npm package gltf-validator) on one .glb/.gltf file and prints its issue counts,
// then one line per message: node validate_gltf.js <path of node_modules/gltf-validator> <file>
// Exit code 0 when the validator ran (whatever it found), 2 when it could not run.
'use strict';
const fs = require('fs');
const path = require('path');

if (process.argv.length !== 4) {
  console.error('usage: node validate_gltf.js <gltf-validator module folder> <file.glb>');
  process.exit(2);
}
let validator;
try {
  validator = require(path.resolve(process.argv[2]));
} catch (e) {
  console.error('cannot load gltf-validator from ' + process.argv[2] + ': ' + e.message);
  process.exit(2);
}
const file = process.argv[3];
let bytes;
try {
  bytes = new Uint8Array(fs.readFileSync(file));
} catch (e) {
  console.error('cannot read ' + file + ': ' + e.message);
  process.exit(2);
}
validator.validateBytes(bytes, {uri: path.basename(file), maxIssues: 0})
  .then((report) => {
    const i = report.issues;
    console.log('validator ' + validator.version() + ' errors=' + i.numErrors + ' warnings=' + i.numWarnings +
                ' infos=' + i.numInfos + ' hints=' + i.numHints);
    const severity = ['error', 'warning', 'info', 'hint'];
    for (const m of i.messages.slice(0, 100)) // the counts above are complete
      console.log(severity[m.severity] + ' ' + m.code + ' ' + (m.pointer || '') + ' ' + m.message);
  }, (error) => {
    console.error('validation failed: ' + error);
    process.exit(2);
  });
