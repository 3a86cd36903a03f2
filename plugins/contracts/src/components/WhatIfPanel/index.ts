export { WhatIfPanel, ContractEditor, diffFindings } from './WhatIfPanel';
export { contractToYaml } from './contractYaml';
