namespace AzureSqlFunctions.Database.Grants;

/// <summary>The steps of the grant, in the order they run.</summary>
internal enum GrantStep
{
    /// <summary>Stop if the identity's SID already belongs to a user of another name.</summary>
    RefuseIdentityUnderAnotherName,

    /// <summary>Drop a user of the grant's name whose SID is not the identity's.</summary>
    DropUserWithAnotherSid,

    /// <summary><c>CREATE USER … FROM EXTERNAL PROVIDER WITH OBJECT_ID</c> unless the user exists.</summary>
    CreateUser,

    /// <summary>Stop unless the user now carries the identity's SID.</summary>
    VerifySid,

    AddToReaderRole,

    AddToWriterRole,
}
