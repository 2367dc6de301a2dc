package dev.officehours.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The argument-schema checker: which schemas a tool may declare, and what a model's arguments
 * are told when they do not fit. Schemas and values are written with ' for " to stay readable.
 */
class JsonSchemaCheckTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private static String j(String singleQuoted) {
    return singleQuoted.replace('\'', '"');
  }

  private static JsonNode value(String singleQuoted) {
    try {
      return JSON.readTree(j(singleQuoted));
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  private static List<String> violations(String schema, String value) {
    return JsonSchemaCheck.violations(JsonSchemaCheck.parse(j(schema)), value(value));
  }

  // ---------------------------------------------------------------- schemas a tool may declare

  static Stream<Arguments> rejectedSchemas() {
    return Stream.of(
        Arguments.of("not json", "the schema is not valid JSON"),
        Arguments.of("", "the schema is empty"),
        Arguments.of("{'type':'object'} {}", "the schema is not valid JSON"),
        Arguments.of("{'type':'object','type':'object'}", "Duplicate field 'type'"),
        Arguments.of("[]", "the schema must be a JSON object, not array"),
        Arguments.of("'object'", "the schema must be a JSON object, not string"),
        Arguments.of("{}", "the schema must have \"type\": \"object\""),
        Arguments.of("{'description':'x'}", "the schema must have \"type\": \"object\""),
        Arguments.of("{'type':'string'}", "the schema's root \"type\" must be \"object\""),
        Arguments.of("{'type':['object','null']}", "the schema's root \"type\" must be \"object\""),
        Arguments.of("{'type':'object','properties':[]}",
            "\"properties\" at # must be an object, not array"),
        Arguments.of("{'type':'object','required':'day'}",
            "\"required\" at # must be an array of property names, not string"),
        Arguments.of("{'type':'object','required':['day',1]}",
            "\"required\" at # must hold property names (strings), not integer"),
        Arguments.of("{'type':'object','properties':{'day':{'enum':'today'}}}",
            "\"enum\" at #/properties/day must be an array, not string"),
        Arguments.of("{'type':'object','properties':{'day':{'enum':[]}}}",
            "\"enum\" at #/properties/day must list at least one value"),
        Arguments.of("{'type':'object','properties':{'n':{'type':'int'}}}",
            "\"type\" at #/properties/n must be one of string, number, integer, boolean, object,"
                + " array, null (or an array of them), not \"int\""),
        Arguments.of("{'type':'object','properties':{'n':{'type':['string','date']}}}",
            "\"type\" at #/properties/n must be one of"),
        Arguments.of("{'type':'object','properties':{'n':{'type':[]}}}",
            "\"type\" at #/properties/n must name at least one type"),
        Arguments.of("{'type':'object','properties':{'n':{'type':7}}}",
            "\"type\" at #/properties/n must be one of"),
        Arguments.of("{'type':'object','properties':{'n':{'minimum':'1'}}}",
            "\"minimum\" at #/properties/n must be a number, not string"),
        Arguments.of("{'type':'object','properties':{'n':{'maximum':null}}}",
            "\"maximum\" at #/properties/n must be a number, not null"),
        Arguments.of("{'type':'object','properties':{'n':{'minimum':0,'exclusiveMinimum':true}}}",
            "\"exclusiveMinimum\" at #/properties/n must be a number: draft 4's boolean form"),
        Arguments.of("{'type':'object','properties':{'s':{'minLength':-1}}}",
            "\"minLength\" at #/properties/s must be a whole number from 0"),
        Arguments.of("{'type':'object','properties':{'s':{'maxLength':1.5}}}",
            "\"maxLength\" at #/properties/s must be a whole number from 0"),
        Arguments.of("{'type':'object','properties':{'l':{'minItems':'2'}}}",
            "\"minItems\" at #/properties/l must be a whole number from 0"),
        Arguments.of("{'type':'object','properties':{'l':{'maxItems':1e20}}}",
            "\"maxItems\" at #/properties/l must be a whole number from 0"),
        Arguments.of("{'type':'object','properties':{'s':{'pattern':'[a-'}}}",
            "\"pattern\" at #/properties/s is not a valid Java regular expression"),
        Arguments.of("{'type':'object','properties':{'s':{'pattern':5}}}",
            "\"pattern\" at #/properties/s must be a string, not integer"),
        Arguments.of("{'type':'object','properties':{'l':{'items':'string'}}}",
            "\"items\" at #/properties/l must be a schema object, not string"),
        Arguments.of("{'type':'object','properties':{'l':{'items':[{'type':'string'}]}}}",
            "\"items\" at #/properties/l must be one schema for every element: the tuple form"),
        Arguments.of("{'type':'object','properties':{'l':{'items':{'type':'strin'}}}}",
            "\"type\" at #/properties/l/items must be one of"),
        Arguments.of("{'type':'object','properties':{'x':'string'}}",
            "the schema at #/properties/x must be an object (or true or false), not string"),
        Arguments.of("{'type':'object','additionalProperties':'no'}",
            "the schema at #/additionalProperties must be an object (or true or false), not string"),
        Arguments.of("{'type':'object','additionalProperties':{'type':'nope'}}",
            "\"type\" at #/additionalProperties must be one of"),
        Arguments.of("{'type':'object','properties':{'x':{'anyOf':[]}}}",
            "\"anyOf\" at #/properties/x must be a non-empty array of schemas, not an empty one"),
        Arguments.of("{'type':'object','properties':{'x':{'oneOf':{'type':'string'}}}}",
            "\"oneOf\" at #/properties/x must be a non-empty array of schemas, not object"),
        Arguments.of("{'type':'object','properties':{'x':{'anyOf':[{'type':'string'},{'type':'strin'}]}}}",
            "\"type\" at #/properties/x/anyOf/1 must be one of"),
        Arguments.of("{'type':'object','properties':{'a/b~c':{'type':'strin'}}}",
            "\"type\" at #/properties/a~1b~0c must be one of"));
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @MethodSource("rejectedSchemas")
  void aMalformedSchemaIsRejectedSayingWhatAndWhere(String schema, String message) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> JsonSchemaCheck.parse(j(schema)));
    assertTrue(e.getMessage().contains(message), e.getMessage());
  }

  static Stream<String> acceptedSchemas() {
    return Stream.of(
        "{'type':'object','properties':{}}",
        "{'properties':{'day':{'type':'string'}}}",
        // OpenAI's own example, strict mode
        "{'type':'object','properties':{'location':{'type':'string','description':'City and"
            + " country e.g. Bogotá, Colombia'},'units':{'type':['string','null'],'enum':"
            + "['celsius','fahrenheit',null]}},'required':['location','units'],"
            + "'additionalProperties':false}",
        "{'$schema':'https://json-schema.org/draft/2020-12/schema','type':'object','title':'t',"
            + "'properties':{'n':{'type':'integer','minimum':1,'maximum':10,'exclusiveMinimum':0,"
            + "'exclusiveMaximum':11.5,'default':3,'examples':[4]},'s':{'type':'string',"
            + "'minLength':1,'maxLength':20,'pattern':'^[a-z]+$'},'l':{'type':'array','items':"
            + "{'type':'object','properties':{'at':{'type':'string'}}},'minItems':0,'maxItems':3},"
            + "'c':{'const':{'a':[1]}},'u':{'anyOf':[{'type':'string'},{'type':'null'}]},"
            + "'o':{'oneOf':[{'type':'integer'},{'type':'boolean'}]}}}",
        // boolean schemas, and keywords that are not checked but may be declared
        "{'type':'object','properties':{'any':true,'never':false,'l':{'items':false}},"
            + "'additionalProperties':{'type':'string'}}",
        "{'type':'object','properties':{'d':{'$ref':'#/$defs/day','format':'date'}},'$defs':"
            + "{'day':{'type':'string'}},'allOf':[{'required':['d']}],'minProperties':1}");
  }

  @ParameterizedTest
  @MethodSource("acceptedSchemas")
  void aWellFormedSchemaIsAcceptedAndReturnedParsed(String schema) {
    JsonNode parsed = JsonSchemaCheck.parse(j(schema));
    assertEquals(value(schema), parsed);
  }

  /** A schema whose property {@code p} is nested {@code levels} schemas below the root. */
  private static String nested(int levels) {
    return "{'type':'object','properties':{'p':".repeat(levels) + "{'type':'string'}"
        + "}}".repeat(levels);
  }

  @Test
  void aSchemaNestedDeeperThanTheLimitIsRejectedNamingIt() {
    JsonSchemaCheck.parse(j(nested(JsonSchemaCheck.MAX_DEPTH)));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> JsonSchemaCheck.parse(j(nested(JsonSchemaCheck.MAX_DEPTH + 1))));
    assertTrue(e.getMessage().startsWith("the schema is nested deeper than 32 levels"),
        e.getMessage());
  }

  @Test
  void aHostilelyDeepSchemaFailsWithAMessageNotAStackOverflow() {
    String deepAlternatives = "{'anyOf':[".repeat(40) + "{}" + "]}".repeat(40);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> JsonSchemaCheck.parse(j("{'type':'object','properties':{'x':" + deepAlternatives
            + "}}")));
    assertTrue(e.getMessage().startsWith("the schema is nested deeper than 32 levels (at"
        + " #/properties/x/anyOf/0/anyOf/0/"), e.getMessage());
    String deeperThanJacksonReads = "{'anyOf':[".repeat(5_000) + "{}" + "]}".repeat(5_000);
    e = assertThrows(IllegalArgumentException.class, () -> JsonSchemaCheck.parse(
        j("{'type':'object','properties':{'x':" + deeperThanJacksonReads + "}}")));
    assertTrue(e.getMessage().startsWith("the schema is not valid JSON"), e.getMessage());
  }

  // ---------------------------------------------------------------- what a model is told

  private static final String DAY = "{'type':'object','properties':{'day':{'type':'string',"
      + "'enum':['today','tomorrow']},'count':{'type':'integer','minimum':1,'maximum':5}},"
      + "'required':['day'],'additionalProperties':false}";

  static Stream<Arguments> valuesAndViolations() {
    return Stream.of(
        // objects: required, additionalProperties, nested paths
        Arguments.of(DAY, "{'day':'today'}", List.of()),
        Arguments.of(DAY, "{'day':'today','count':5}", List.of()),
        Arguments.of(DAY, "{}", List.of("$.day: required property is missing")),
        Arguments.of(DAY, "{'day':'today','foo':1}", List.of("$: unexpected property 'foo'")),
        Arguments.of(DAY, "{'day':'monday','count':'2'}", List.of(
            "$.day: must be one of [\"today\",\"tomorrow\"]",
            "$.count: must be an integer, not string")),
        Arguments.of(DAY, "{'day':'today','count':2.5}",
            List.of("$.count: must be an integer, not number")),
        Arguments.of(DAY, "{'day':'today','count':2.0}", List.of()),
        Arguments.of(DAY, "{'day':'today','count':0}", List.of("$.count: must be at least 1, not 0")),
        Arguments.of(DAY, "{'day':'today','count':6}", List.of("$.count: must be at most 5, not 6")),
        Arguments.of(DAY, "[]", List.of("$: must be an object, not array")),
        Arguments.of(DAY, "{'day':null}", List.of("$.day: must be a string, not null")),
        Arguments.of("{'properties':{'day':{'type':'string'}}}", "'today'",
            List.of("$: must be an object, not string")),
        Arguments.of("{'type':'object','properties':{'time zone':{'type':'string'}},"
            + "'required':['time zone']}", "{}", List.of("$[\"time zone\"]: required property is missing")),
        Arguments.of("{'type':'object','properties':{'address':{'type':'object','properties':"
            + "{'city':{'type':'string'}},'additionalProperties':false}}}",
            "{'address':{'city':'Oslo','zip':'0150'}}", List.of("$.address: unexpected property 'zip'")),
        Arguments.of("{'type':'object','additionalProperties':{'type':'integer'}}",
            "{'a':1,'b':'x'}", List.of("$.b: must be an integer, not string")),
        Arguments.of("{'type':'object','properties':{'a':{}},'additionalProperties':false}",
            "{'a':1,'b\\nc':2}", List.of("$: unexpected property 'b\\nc'")),
        Arguments.of("{'type':'object','properties':{'never':false}}", "{'never':1}",
            List.of("$.never: no value is allowed here")),
        Arguments.of("{'type':'object','properties':{'any':true}}", "{'any':[1,{}]}", List.of()),
        // types
        Arguments.of("{'type':'object','properties':{'v':{'type':['string','null']}}}",
            "{'v':null}", List.of()),
        Arguments.of("{'type':'object','properties':{'v':{'type':['string','null']}}}",
            "{'v':3}", List.of("$.v: must be a string or null, not integer")),
        Arguments.of("{'type':'object','properties':{'v':{'type':'number'}}}", "{'v':3}", List.of()),
        Arguments.of("{'type':'object','properties':{'v':{'type':'boolean'}}}", "{'v':'true'}",
            List.of("$.v: must be a boolean, not string")),
        Arguments.of("{'type':'object','properties':{'v':{'type':'array'}}}", "{'v':{}}",
            List.of("$.v: must be an array, not object")),
        // a type mismatch is reported alone: the other keywords would only repeat it
        Arguments.of("{'type':'object','properties':{'v':{'type':'string','minLength':3,"
            + "'enum':['abc']}}}", "{'v':5}", List.of("$.v: must be a string, not integer")),
        // enum and const compare JSON values, numbers by value
        Arguments.of("{'type':'object','properties':{'v':{'enum':[1,'two',[3],{'four':4}]}}}",
            "{'v':1.0}", List.of()),
        Arguments.of("{'type':'object','properties':{'v':{'enum':[1,'two',[3],{'four':4}]}}}",
            "{'v':{'four':4.0}}", List.of()),
        Arguments.of("{'type':'object','properties':{'v':{'enum':[1,'two']}}}", "{'v':'1'}",
            List.of("$.v: must be one of [1,\"two\"]")),
        Arguments.of("{'type':'object','properties':{'v':{'const':'yes'}}}", "{'v':'no'}",
            List.of("$.v: must be \"yes\"")),
        // numbers
        Arguments.of("{'type':'object','properties':{'v':{'exclusiveMinimum':0,"
            + "'exclusiveMaximum':1}}}", "{'v':0}", List.of("$.v: must be greater than 0, not 0")),
        Arguments.of("{'type':'object','properties':{'v':{'exclusiveMinimum':0,"
            + "'exclusiveMaximum':1}}}", "{'v':1.0}", List.of("$.v: must be less than 1, not 1.0")),
        Arguments.of("{'type':'object','properties':{'v':{'exclusiveMinimum':0,"
            + "'exclusiveMaximum':1}}}", "{'v':0.999}", List.of()),
        Arguments.of("{'type':'object','properties':{'v':{'minimum':0.1}}}",
            "{'v':0.09}", List.of("$.v: must be at least 0.1, not 0.09")),
        Arguments.of("{'type':'object','properties':{'v':{'maximum':10}}}", "{'v':1e400}",
            List.of("$.v: must be at most 10, not Infinity")),
        // strings: lengths in code points, patterns searched for anywhere
        Arguments.of("{'type':'object','properties':{'v':{'minLength':2,'maxLength':3}}}",
            "{'v':'😀😀'}", List.of()),
        Arguments.of("{'type':'object','properties':{'v':{'minLength':2,'maxLength':3}}}",
            "{'v':'x'}", List.of("$.v: must be at least 2 characters long, not 1")),
        Arguments.of("{'type':'object','properties':{'v':{'minLength':2,'maxLength':3}}}",
            "{'v':'😀😀😀😀'}", List.of("$.v: must be at most 3 characters long, not 4")),
        Arguments.of("{'type':'object','properties':{'v':{'pattern':'[0-9]{4}'}}}",
            "{'v':'in 2026!'}", List.of()),
        Arguments.of("{'type':'object','properties':{'v':{'pattern':'^[0-9]{4}-[0-9]{2}$'}}}",
            "{'v':'in 2026-11'}", List.of("$.v: must match the pattern ^[0-9]{4}-[0-9]{2}$")),
        // arrays
        Arguments.of("{'type':'object','properties':{'slots':{'type':'array','items':"
            + "{'type':'integer'},'minItems':1,'maxItems':3}}}", "{'slots':[9,10,'11']}",
            List.of("$.slots[2]: must be an integer, not string")),
        Arguments.of("{'type':'object','properties':{'slots':{'type':'array','items':"
            + "{'type':'integer'},'minItems':1,'maxItems':3}}}", "{'slots':[]}",
            List.of("$.slots: must have at least 1 item, not 0")),
        Arguments.of("{'type':'object','properties':{'slots':{'type':'array','items':"
            + "{'type':'integer'},'minItems':1,'maxItems':3}}}", "{'slots':[1,2,3,4]}",
            List.of("$.slots: must have at most 3 items, not 4")),
        Arguments.of("{'type':'object','properties':{'m':{'items':{'items':{'type':'string'}}}}}",
            "{'m':[['a'],['b',2]]}", List.of("$.m[1][1]: must be a string, not integer")),
        Arguments.of("{'type':'object','properties':{'m':{'items':{'type':'object','required':"
            + "['at']}}}}", "{'m':[{'at':1},{}]}", List.of("$.m[1].at: required property is missing")),
        // anyOf and oneOf
        Arguments.of("{'type':'object','properties':{'u':{'anyOf':[{'type':'string'},"
            + "{'type':'integer','minimum':0}]}}}", "{'u':3}", List.of()),
        Arguments.of("{'type':'object','properties':{'u':{'anyOf':[{'type':'string'},"
            + "{'type':'integer','minimum':0}]}}}", "{'u':-3}", List.of("$.u: must match at least"
            + " one of the 2 schemas in anyOf (the first says: $.u: must be a string, not integer)")),
        Arguments.of("{'type':'object','properties':{'o':{'oneOf':[{'type':'integer'},"
            + "{'type':'number'}]}}}", "{'o':1.5}", List.of()),
        Arguments.of("{'type':'object','properties':{'o':{'oneOf':[{'type':'integer'},"
            + "{'type':'number'}]}}}", "{'o':1}", List.of("$.o: must match exactly one of the 2"
            + " schemas in oneOf, but matches more than one")),
        Arguments.of("{'type':'object','properties':{'o':{'oneOf':[{'type':'integer'},"
            + "{'type':'number'}]}}}", "{'o':'1'}", List.of("$.o: must match exactly one of the 2"
            + " schemas in oneOf, but matches none (the first says: $.o: must be an integer, not"
            + " string)")),
        // keywords that are not checked let anything through
        Arguments.of("{'type':'object','properties':{'d':{'$ref':'#/$defs/day','format':'date',"
            + "'multipleOf':7}},'$defs':{'day':{'type':'string'}},'allOf':[{'required':['x']}]}",
            "{'d':12}", List.of()));
  }

  @ParameterizedTest(name = "{1}")
  @MethodSource("valuesAndViolations")
  void aValueIsToldExactlyWhatBreaksTheSchemaAndWhere(String schema, String value,
      List<String> expected) {
    assertEquals(expected, violations(schema, value));
  }

  @Test
  void atMostTenViolationsAreReported() {
    StringBuilder required = new StringBuilder();
    for (int i = 0; i < 15; i++) {
      required.append(i == 0 ? "" : ",").append("'p").append(i).append("'");
    }
    List<String> found = violations("{'type':'object','required':[" + required + "]}", "{}");
    assertEquals(JsonSchemaCheck.MAX_VIOLATIONS, found.size());
    assertEquals("$.p0: required property is missing", found.get(0));
    assertEquals("$.p9: required property is missing", found.get(9));
  }

  @Test
  void aLongPropertyNameIsCutInTheMessage() {
    String name = "x".repeat(5_000);
    List<String> found = violations("{'type':'object','additionalProperties':false}",
        "{'" + name + "':1}");
    assertEquals(1, found.size());
    assertTrue(found.get(0).length() < 200, found.get(0));
    assertTrue(found.get(0).startsWith("$: unexpected property 'xxxx"), found.get(0));
  }

  @Test
  void aDeepValueIsCheckedNoDeeperThanTheSchemaGoes() {
    // as deep as Jackson reads by default: the check stops where the schema stops
    String deep = "[".repeat(990) + "]".repeat(990);
    assertEquals(List.of(), violations(
        "{'type':'object','properties':{'v':{'type':'array','items':{'type':'array'}}}}",
        "{'v':" + deep + "}"));
    assertEquals(List.of("$.v[0][0]: must be a string, not array"), violations(
        "{'type':'object','properties':{'v':{'items':{'items':{'type':'string'}}}}}",
        "{'v':" + deep + "}"));
  }

  @Test
  void aPatternThatBacktracksWithoutEndBecomesAViolationInsteadOfHoldingTheThread() {
    // Java's matcher memoises the classic (a+)+, not this: 30 over 12 ways to fail, ~86 million
    String catastrophic = "{'type':'object','properties':{'v':{'pattern':'^(.*a){12}$'}}}";
    assertEquals(List.of(), violations(catastrophic, "{'v':'" + "a".repeat(12) + "'}"));
    List<String> found = violations(catastrophic, "{'v':'" + "a".repeat(30) + "b'}");
    assertEquals(List.of("$.v: could not be checked against the pattern ^(.*a){12}$ within 1000000"
        + " steps"), found);
  }

  @Test
  void aSchemaThatSkippedParseIsCheckedAsFarAsItMakesSenseAndNeverThrows() {
    JsonNode odd = value("{'type':'object','properties':{'n':{'minimum':'1','type':5,"
        + "'pattern':'[','items':'x','enum':'y','anyOf':{}}},'required':'n'}");
    assertEquals(List.of(), JsonSchemaCheck.violations(odd, value("{'n':0}")));
  }
}
