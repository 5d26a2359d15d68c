// Json.mqh — owns the JSON of protocol v1 (docs/protocol.md §2 Encoding): a reader for the flat
// objects the copier sends and small writers for the frames the EAs send. Shared by MT4 and MT5 (ea/Include: one copy for both).

#include "Text.mqh"

#define JT_STR  1
#define JT_NUM  2
#define JT_BOOL 3
#define JT_NULL 4

// One flat JSON object: every frame the copier sends to an EA is flat (§2).
struct JsonObj
  {
   string            keys[];
   string            vals[];   // strings unescaped; numbers and booleans as written
   int               types[];
   int               n;
  };

//--- reader -----------------------------------------------------------------------------------
int JsonSkipWs(const string &s,int i,int len)
  {
   while(i<len)
     {
      ushort c=StringGetCharacter(s,i);
      if(c!=' ' && c!='\t' && c!='\r' && c!='\n')
         break;
      i++;
     }
   return(i);
  }

int JsonHexDigit(ushort c)
  {
   if(c>='0' && c<='9')
      return((int)(c-'0'));
   if(c>='a' && c<='f')
      return((int)(c-'a'+10));
   if(c>='A' && c<='F')
      return((int)(c-'A'+10));
   return(-1);
  }

// Reads a string starting at the opening quote; returns the index after the closing quote or -1.
// Reads the escapes \" \\ \/ \b \f \n \r \t \uXXXX (§2). MQL strings are UTF-16, so each \u unit
// is appended as it is and surrogate pairs join up by themselves.
int JsonReadString(const string &s,int i,int len,string &out)
  {
   out="";
   if(i>=len || StringGetCharacter(s,i)!='"')
      return(-1);
   i++;
   int start=i;
   while(i<len)
     {
      ushort c=StringGetCharacter(s,i);
      if(c=='"')
        {
         out=out+TcMid(s,start,i-start);
         return(i+1);
        }
      if(c<0x20)
         return(-1);
      if(c!='\\')
        {
         i++;
         continue;
        }
      out=out+TcMid(s,start,i-start);
      if(i+1>=len)
         return(-1);
      ushort e=StringGetCharacter(s,i+1);
      i+=2;
      if(e=='"')
         out=out+"\"";
      else if(e=='\\')
         out=out+"\\";
      else if(e=='/')
         out=out+"/";
      else if(e=='b')
         out=out+ShortToString(8);
      else if(e=='f')
         out=out+ShortToString(12);
      else if(e=='n')
         out=out+"\n";
      else if(e=='r')
         out=out+"\r";
      else if(e=='t')
         out=out+"\t";
      else if(e=='u')
        {
         if(i+4>len)
            return(-1);
         int code=0;
         for(int k=0;k<4;k++)
           {
            int h=JsonHexDigit(StringGetCharacter(s,i+k));
            if(h<0)
               return(-1);
            code=code*16+h;
           }
         out=out+ShortToString((ushort)code);
         i+=4;
        }
      else
         return(-1);
      start=i;
     }
   return(-1);
  }

// Reads a number, true, false or null; returns the index after it or -1.
int JsonReadScalar(const string &s,int i,int len,string &out,int &type)
  {
   int start=i;
   ushort c=StringGetCharacter(s,i);
   if(c=='t' && StringSubstr(s,i,4)=="true")
     {
      out="true";
      type=JT_BOOL;
      return(i+4);
     }
   if(c=='f' && StringSubstr(s,i,5)=="false")
     {
      out="false";
      type=JT_BOOL;
      return(i+5);
     }
   if(c=='n' && StringSubstr(s,i,4)=="null")
     {
      out="";
      type=JT_NULL;
      return(i+4);
     }
   while(i<len)
     {
      c=StringGetCharacter(s,i);
      if((c>='0' && c<='9') || c=='-' || c=='+' || c=='.' || c=='e' || c=='E')
         i++;
      else
         break;
     }
   if(i==start)
      return(-1);
   out=TcMid(s,start,i-start);
   type=JT_NUM;
   return(i);
  }

// Parses one flat JSON object. Nested arrays or objects are refused: the copier never sends them.
bool JsonParse(const string &s,JsonObj &o)
  {
   o.n=0;
   ArrayResize(o.keys,0);
   ArrayResize(o.vals,0);
   ArrayResize(o.types,0);
   int len=StringLen(s);
   int i=JsonSkipWs(s,0,len);
   if(i>=len || StringGetCharacter(s,i)!='{')
      return(false);
   i=JsonSkipWs(s,i+1,len);
   if(i<len && StringGetCharacter(s,i)=='}')
      return(true);
   while(i<len)
     {
      string key,val;
      int type=JT_STR;
      i=JsonReadString(s,i,len,key);
      if(i<0)
         return(false);
      i=JsonSkipWs(s,i,len);
      if(i>=len || StringGetCharacter(s,i)!=':')
         return(false);
      i=JsonSkipWs(s,i+1,len);
      if(i>=len)
         return(false);
      if(StringGetCharacter(s,i)=='"')
         i=JsonReadString(s,i,len,val);
      else
         i=JsonReadScalar(s,i,len,val,type);
      if(i<0)
         return(false);
      ArrayResize(o.keys,o.n+1);
      ArrayResize(o.vals,o.n+1);
      ArrayResize(o.types,o.n+1);
      o.keys[o.n]=key;
      o.vals[o.n]=val;
      o.types[o.n]=type;
      o.n++;
      i=JsonSkipWs(s,i,len);
      if(i>=len)
         return(false);
      ushort c=StringGetCharacter(s,i);
      if(c=='}')
         return(true);
      if(c!=',')
         return(false);
      i=JsonSkipWs(s,i+1,len);
     }
   return(false);
  }

int JsonFind(const JsonObj &o,const string key)
  {
   for(int k=0;k<o.n;k++)
      if(o.keys[k]==key)
         return(k);
   return(-1);
  }

bool JsonHas(const JsonObj &o,const string key)
  {
   return(JsonFind(o,key)>=0);
  }

// Optional fields take the documented default when absent (§2).
string JsonStr(const JsonObj &o,const string key,const string def)
  {
   int k=JsonFind(o,key);
   if(k<0 || o.types[k]!=JT_STR)
      return(def);
   return(o.vals[k]);
  }

long JsonLong(const JsonObj &o,const string key,const long def)
  {
   int k=JsonFind(o,key);
   if(k<0 || o.types[k]!=JT_NUM)
      return(def);
   return(StringToInteger(o.vals[k]));
  }

// Numbers may carry an exponent (1e-05): StringToDouble reads that form (§2).
double JsonDouble(const JsonObj &o,const string key,const double def)
  {
   int k=JsonFind(o,key);
   if(k<0 || o.types[k]!=JT_NUM)
      return(def);
   return(StringToDouble(o.vals[k]));
  }

bool JsonBool(const JsonObj &o,const string key,const bool def)
  {
   int k=JsonFind(o,key);
   if(k<0 || o.types[k]!=JT_BOOL)
      return(def);
   return(o.vals[k]=="true");
  }

//--- writer -----------------------------------------------------------------------------------
// Escapes " \ and control characters; other characters go unescaped as UTF-8 (§2).
string JsonEscape(const string s)
  {
   string out="";
   int len=StringLen(s);
   int start=0;
   for(int i=0;i<len;i++)
     {
      ushort c=StringGetCharacter(s,i);
      if(c!='"' && c!='\\' && c>=0x20)
         continue;
      out=out+TcMid(s,start,i-start);
      if(c=='"')
         out=out+"\\\"";
      else if(c=='\\')
         out=out+"\\\\";
      else if(c=='\n')
         out=out+"\\n";
      else if(c=='\r')
         out=out+"\\r";
      else if(c=='\t')
         out=out+"\\t";
      else
         out=out+StringFormat("\\u%04x",(int)c);
      start=i+1;
     }
   return(out+StringSubstr(s,start));
  }

// A JSON number: NaN and infinities are not JSON (§2), so they go out as 0.
string JsonNumText(const double v)
  {
   if(!MathIsValidNumber(v))
      return("0");
   string s=DoubleToString(v,10);
   int len=StringLen(s);
   while(len>1 && StringGetCharacter(s,len-1)=='0')
      len--;
   if(len>1 && StringGetCharacter(s,len-1)=='.')
      len--;
   s=TcMid(s,0,len);
   if(s=="-0")
      s="0";
   return(s);
  }

// Field writers: each returns ,"key":value (the leading comma is dropped by JsonOpen's caller).
string JS(const string key,const string v)
  {
   return(",\""+key+"\":\""+JsonEscape(v)+"\"");
  }

string JI(const string key,const long v)
  {
   return(",\""+key+"\":"+IntegerToString(v));
  }

string JD(const string key,const double v)
  {
   return(",\""+key+"\":"+JsonNumText(v));
  }

string JB(const string key,const bool v)
  {
   return(",\""+key+"\":"+(v ? "true" : "false"));
  }

// Starts a frame: {"t":"<type>" — append fields with JS/JI/JD/JB, then close with "}".
string JsonOpen(const string type)
  {
   return("{\"t\":\""+type+"\"");
  }
