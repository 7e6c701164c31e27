#!/usr/bin/env node
// The `wsgate` command (`npx wsgate users …`); the compiled CLI lives in dist/.
import '../dist/src/cli/wsgate.js'
