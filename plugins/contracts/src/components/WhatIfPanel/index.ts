export { WhatIfPanel, ContractEditor, diffFindings } from './WhatIfPanel';
