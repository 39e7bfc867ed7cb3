// A minimal MCP Apps host page, bundled for the browser by esbuild: the
// ext-apps package's own AppBridge drives one Teetrack view in a sandboxed
// iframe. Tool calls from the view go to the test (window.mcpCallTool,
// exposed by playwright), which forwards them to `teetrack serve` with the
// official TypeScript MCP client.
import { AppBridge, PostMessageTransport } from '@modelcontextprotocol/ext-apps/app-bridge';

window.startHost = async ({ html, toolInput, toolResult, theme, width }) => {
  const iframe = document.createElement('iframe');
  iframe.setAttribute('sandbox', 'allow-scripts');
  iframe.setAttribute('title', 'Teetrack view');
  iframe.style.cssText = `width:${width}px;height:200px;border:1px solid #888`;
  document.body.append(iframe);
  const bridge = new AppBridge(
    null,
    { name: 'teetrack-test-host', version: '1.0.0' },
    { serverTools: {}, logging: {} },
    { hostContext: { theme, displayMode: 'inline', containerDimensions: { maxWidth: width } } },
  );
  bridge.oncalltool = async (params) => window.mcpCallTool(params);
  bridge.onsizechange = ({ height }) => {
    if (height) iframe.style.height = `${height}px`;
  };
  window.hostLog = [];
  bridge.oninitialized = async () => {
    window.hostLog.push('initialized');
    await bridge.sendToolInput({ arguments: toolInput });
    await bridge.sendToolResult(toolResult);
    window.hostLog.push('result sent');
  };
  const transport = new PostMessageTransport(iframe.contentWindow, iframe.contentWindow);
  await bridge.connect(transport);
  iframe.srcdoc = html;
};
