// Sha1.mqh — owns SHA-1 (FIPS 180-4) and base64 (RFC 4648) in plain MQL, used only to make the
// Sec-WebSocket-Key and to verify Sec-WebSocket-Accept of the upgrade (RFC 6455 §4; protocol §1).

uint Sha1Rol(const uint x,const int n)
  {
   return((x<<n)|(x>>(32-n)));
  }

// SHA-1 of data[0..len); the 20-byte digest goes into digest[].
void Sha1(const uchar &data[],const int len,uchar &digest[])
  {
   uint h0=0x67452301,h1=0xEFCDAB89,h2=0x98BADCFE,h3=0x10325476,h4=0xC3D2E1F0;
   int total=((len+8)/64+1)*64;
   uchar msg[];
   ArrayResize(msg,total);
   ArrayInitialize(msg,0);
   for(int i=0;i<len;i++)
      msg[i]=data[i];
   msg[len]=0x80;
   ulong bits=(ulong)len*8;
   for(int i=0;i<8;i++)
      msg[total-1-i]=(uchar)((bits>>(8*i))&0xFF);
   uint w[80];
   for(int chunk=0;chunk<total;chunk+=64)
     {
      for(int i=0;i<16;i++)
         w[i]=((uint)msg[chunk+4*i]<<24)|((uint)msg[chunk+4*i+1]<<16)|
              ((uint)msg[chunk+4*i+2]<<8)|(uint)msg[chunk+4*i+3];
      for(int i=16;i<80;i++)
         w[i]=Sha1Rol(w[i-3]^w[i-8]^w[i-14]^w[i-16],1);
      uint a=h0,b=h1,c=h2,d=h3,e=h4;
      for(int i=0;i<80;i++)
        {
         uint f,k;
         if(i<20)
           {
            f=(b&c)|((~b)&d);
            k=0x5A827999;
           }
         else if(i<40)
           {
            f=b^c^d;
            k=0x6ED9EBA1;
           }
         else if(i<60)
           {
            f=(b&c)|(b&d)|(c&d);
            k=0x8F1BBCDC;
           }
         else
           {
            f=b^c^d;
            k=0xCA62C1D6;
           }
         uint temp=Sha1Rol(a,5)+f+e+k+w[i];
         e=d;
         d=c;
         c=Sha1Rol(b,30);
         b=a;
         a=temp;
        }
      h0+=a;
      h1+=b;
      h2+=c;
      h3+=d;
      h4+=e;
     }
   ArrayResize(digest,20);
   uint hs[5];
   hs[0]=h0;
   hs[1]=h1;
   hs[2]=h2;
   hs[3]=h3;
   hs[4]=h4;
   for(int i=0;i<5;i++)
     {
      digest[4*i]=(uchar)((hs[i]>>24)&0xFF);
      digest[4*i+1]=(uchar)((hs[i]>>16)&0xFF);
      digest[4*i+2]=(uchar)((hs[i]>>8)&0xFF);
      digest[4*i+3]=(uchar)(hs[i]&0xFF);
     }
  }

string Base64Encode(const uchar &data[],const int len)
  {
   string table="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
   string out="";
   for(int i=0;i<len;i+=3)
     {
      int b0=data[i];
      int b1=(i+1<len) ? data[i+1] : 0;
      int b2=(i+2<len) ? data[i+2] : 0;
      int n=(b0<<16)|(b1<<8)|b2;
      out=out+StringSubstr(table,(n>>18)&63,1)+StringSubstr(table,(n>>12)&63,1);
      out=out+((i+1<len) ? StringSubstr(table,(n>>6)&63,1) : "=");
      out=out+((i+2<len) ? StringSubstr(table,n&63,1) : "=");
     }
   return(out);
  }

// The Sec-WebSocket-Accept a server must answer to key (RFC 6455 §4.2.2).
string WsAcceptFor(const string key)
  {
   uchar src[];
   int n=StringToCharArray(key+"258EAFA5-E914-47DA-95CA-C5AB0DC85B11",src,0,WHOLE_ARRAY,CP_UTF8);
   if(n>0 && src[n-1]==0)
      n--;   // StringToCharArray copies the terminating NUL: not part of the text
   uchar digest[];
   Sha1(src,n,digest);
   return(Base64Encode(digest,20));
  }
