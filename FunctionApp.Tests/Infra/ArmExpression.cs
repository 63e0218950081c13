using System.Globalization;
using System.Text;

namespace AzureSqlFunctions.Tests.Infra;

/// <summary>
/// One ARM template expression ("[if(parameters('x'), 'a', 'b')]"), parsed into a tree the tests can evaluate.
/// Grammar: a literal ('text' with '' for a quote, a whole number), a call name(arg, ...), then any chain of
/// .member and [index]. Each node keeps the source text it came from, so what the evaluator does not know can be
/// handed back verbatim.
/// </summary>
internal abstract record ArmExpression(string Source)
{
    /// <summary>Whether a template string value is an expression ("[...]" but not the "[[" escape).</summary>
    public static bool IsExpression(string value) =>
        value.Length >= 2 && value[0] == '[' && value[^1] == ']' && value[1] != '[';

    public static ArmExpression Parse(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (!IsExpression(value))
        {
            throw new FormatException($"Not an ARM expression: {value}");
        }

        var parser = new Parser(value[1..^1]);
        var expression = parser.ParseExpression();
        parser.ExpectEnd();
        return expression;
    }

    internal sealed record Literal(string Source, object Value) : ArmExpression(Source);

    internal sealed record Call(string Source, string Name, IReadOnlyList<ArmExpression> Arguments) : ArmExpression(Source);

    internal sealed record Member(string Source, ArmExpression Target, string Name) : ArmExpression(Source);

    internal sealed record Index(string Source, ArmExpression Target, ArmExpression Key) : ArmExpression(Source);

    private sealed class Parser(string text)
    {
        private int position;

        public ArmExpression ParseExpression()
        {
            SkipSpaces();
            var start = position;
            var expression = ParsePrimary();
            while (true)
            {
                SkipSpaces();
                if (TryTake('.'))
                {
                    var name = ParseName();
                    expression = new Member(text[start..position], expression, name);
                }
                else if (TryTake('['))
                {
                    var key = ParseExpression();
                    Expect(']');
                    expression = new Index(text[start..position], expression, key);
                }
                else
                {
                    return expression;
                }
            }
        }

        public void ExpectEnd()
        {
            SkipSpaces();
            if (position != text.Length)
            {
                throw new FormatException($"Unexpected '{text[position..]}' in [{text}].");
            }
        }

        private ArmExpression ParsePrimary()
        {
            var start = position;
            if (TryTake('\''))
            {
                var value = new StringBuilder();
                while (true)
                {
                    if (position >= text.Length)
                    {
                        throw new FormatException($"Unterminated string in [{text}].");
                    }

                    var character = text[position++];
                    if (character == '\'')
                    {
                        if (!TryTake('\''))
                        {
                            return new Literal(text[start..position], value.ToString());
                        }
                    }

                    value.Append(character);
                }
            }

            if (position < text.Length && (char.IsAsciiDigit(text[position]) || text[position] == '-'))
            {
                position++;
                while (position < text.Length && char.IsAsciiDigit(text[position]))
                {
                    position++;
                }

                return new Literal(text[start..position], long.Parse(text[start..position], CultureInfo.InvariantCulture));
            }

            var name = ParseName();
            Expect('(');
            var arguments = new List<ArmExpression>();
            SkipSpaces();
            if (!TryTake(')'))
            {
                do
                {
                    arguments.Add(ParseExpression());
                    SkipSpaces();
                }
                while (TryTake(','));
                Expect(')');
            }

            return new Call(text[start..position], name, arguments);
        }

        private string ParseName()
        {
            SkipSpaces();
            var start = position;
            while (position < text.Length && (char.IsAsciiLetterOrDigit(text[position]) || text[position] is '_' or '$'))
            {
                position++;
            }

            return position > start ? text[start..position] : throw new FormatException($"Name expected at {position} in [{text}].");
        }

        private void Expect(char character)
        {
            SkipSpaces();
            if (!TryTake(character))
            {
                throw new FormatException($"'{character}' expected at {position} in [{text}].");
            }
        }

        private bool TryTake(char character)
        {
            if (position < text.Length && text[position] == character)
            {
                position++;
                return true;
            }

            return false;
        }

        private void SkipSpaces()
        {
            while (position < text.Length && text[position] == ' ')
            {
                position++;
            }
        }
    }
}
