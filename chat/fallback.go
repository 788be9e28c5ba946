package chat

// FallbackTemplate is what to render with when a model carries no chat
// template and none is given: ChatML turns (the layout llama.cpp falls back
// to), with tools listed in the system turn inside <tools></tools>, calls as
// <tool_call> JSON and results as tool turns in <tool_response>, the most
// common native format. It is this package's own, and is rendered like any
// other template.
const FallbackTemplate = `{%- if tools is not none %}
    {{- '<|im_start|>system\n' }}
    {%- if messages[0].role == 'system' %}
        {{- messages[0].content + '\n\n' }}
    {%- endif %}
    {{- 'You may call tools. Their signatures are inside <tools></tools>:\n<tools>' }}
    {%- for tool in tools %}
        {{- '\n' + tool | tojson }}
    {%- endfor %}
    {{- '\n</tools>\nTo call one, write <tool_call>{"name": <name>, "arguments": <object>}</tool_call>.<|im_end|>\n' }}
{%- elif messages[0].role == 'system' %}
    {{- '<|im_start|>system\n' + messages[0].content + '<|im_end|>\n' }}
{%- endif %}
{%- for message in messages %}
    {%- if message.role == 'system' and loop.first %}
    {%- elif message.role == 'tool' %}
        {{- '<|im_start|>tool\n<tool_response>\n' + message.content + '\n</tool_response><|im_end|>\n' }}
    {%- else %}
        {{- '<|im_start|>' + message.role + '\n' }}
        {%- if message.content is string %}
            {{- message.content }}
        {%- endif %}
        {%- if message.tool_calls is defined %}
            {%- for tool_call in message.tool_calls %}
                {{- '<tool_call>{"name": "' + tool_call.function.name + '", "arguments": ' + tool_call.function.arguments | tojson + '}</tool_call>' }}
            {%- endfor %}
        {%- endif %}
        {{- '<|im_end|>\n' }}
    {%- endif %}
{%- endfor %}
{%- if add_generation_prompt %}
    {{- '<|im_start|>assistant\n' }}
{%- endif %}
`

// FallbackName is what errors call FallbackTemplate.
const FallbackName = "chat.FallbackTemplate (ChatML)"
