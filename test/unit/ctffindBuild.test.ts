import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { addMissingReturns, SourceFixError } from '../../src/ctffindBuild.js';

const SOURCE = `bool ComputeRotationalAverageOfPowerSpectrum(int a);
bool RescaleSpectrumAndRotationalAverage(int a);
int ReturnSpectrumBinNumber(int a);

bool ComputeRotationalAverageOfPowerSpectrum(int a)
{
\tif (a) { work(); }
}

bool RescaleSpectrumAndRotationalAverage(int a)
{
\tfor (;;) { if (a) { break; } }
}

int ReturnSpectrumBinNumber(int a)
{
\tint chosen_bin = -1;
\tif (a) { return chosen_bin; }
}
`;

describe("CTFFIND 4.1.14's missing returns", () => {
  it('adds the return each caller expects at the end of each definition, not after a declaration', () => {
    const fixed = addMissingReturns(SOURCE);
    assert.match(fixed, /work\(\); }\n\treturn true;\n}\n\nbool Rescale/);
    assert.match(fixed, /break; } }\n\treturn true;\n}\n\nint Return/);
    assert.match(fixed, /return chosen_bin; }\n\treturn chosen_bin;\n}\n$/);
    assert.equal(fixed.split('\n').slice(0, 3).join('\n'), SOURCE.split('\n').slice(0, 3).join('\n'));
  });

  it('leaves a fixed source alone, and refuses a source without the functions', () => {
    const fixed = addMissingReturns(SOURCE);
    assert.equal(addMissingReturns(fixed), fixed);
    assert.throws(() => addMissingReturns('int main() { return 0; }\n'), SourceFixError);
  });
});
