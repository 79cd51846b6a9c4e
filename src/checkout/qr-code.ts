import QRCode from 'qrcode';

/**
 * An EIP-681 URI as an SVG QR code. Level M survives a smudged or glare-struck screen; the quiet
 * zone is the 4 modules ISO/IEC 18004 asks for, which phone scanners need to lock on. Black on
 * white whatever the page's theme: scanners expect dark modules on a light ground.
 */
export function renderQrSvg(text: string): Promise<string> {
  return QRCode.toString(text, {
    type: 'svg',
    errorCorrectionLevel: 'M',
    margin: 4,
    color: { dark: '#000000', light: '#ffffff' },
  });
}
